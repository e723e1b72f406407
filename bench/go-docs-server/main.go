// The Go row of bench/server.mjs: Agora's docs-sample RTC token server (net/http, POST
// /fetch_rtc_token, JSON body {"uid":…,"ChannelName":…,"role":…}, answer {"token":…,"code":"200"})
// minting with the rtctokenbuilder2 API of AgoraIO/Tools' Go reference builder (./rtctokenbuilder2,
// ./accesstoken2). Kept to the sample's shape; README.md lists where it differs.
//
// Usage: go-docs-server [-host 127.0.0.1] [-port 0] [-app-id ID] [-app-certificate CERT]
//
//	[-token-expire 3600] [-privilege-expire 3600] [-quiet]
//
// Prints "listening <port>" once it listens (port 0 picks a free port), like the bench's other
// servers; exits cleanly on SIGTERM or SIGINT. APP_ID, APP_CERTIFICATE and PORT in the environment
// set the defaults of -app-id, -app-certificate and -port.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	rtctokenbuilder "agate-bench/go-docs-server/rtctokenbuilder2"
)

// The request body, with the docs sample's field names.
type rtc_int_token_struct struct {
	Uid_rtc_int  uint32 `json:"uid"`
	Channel_name string `json:"ChannelName"`
	Role         uint32 `json:"role"`
}

var (
	appID           string
	appCertificate  string
	tokenExpire     uint
	privilegeExpire uint
	quiet           bool
)

// generateRtcToken mints the token; the docs sample prints it and its inputs on every request.
func generateRtcToken(int_uid uint32, channelName string, role rtctokenbuilder.Role) string {
	result, err := rtctokenbuilder.BuildTokenWithUid(appID, appCertificate, channelName, int_uid, role, uint32(tokenExpire), uint32(privilegeExpire))
	if err != nil {
		fmt.Println(err)
	} else if !quiet {
		fmt.Printf("Token with uid: %s\n", result)
		fmt.Printf("uid is %d\n", int_uid)
		fmt.Printf("ChannelName is %s\n", channelName)
		fmt.Printf("Role is %d\n", role)
	}
	return result
}

func rtcTokenHandler(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	w.Header().Set("Access-Control-Allow-Headers", "*")

	if r.Method == "OPTIONS" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if r.Method != "POST" {
		http.Error(w, "Unsupported method. Please check.", http.StatusNotFound)
		return
	}

	var t_int rtc_int_token_struct
	var unmarshalErr *json.UnmarshalTypeError
	if err := json.NewDecoder(r.Body).Decode(&t_int); err != nil {
		if errors.As(err, &unmarshalErr) {
			errorResponse(w, "Bad request. Wrong type provided for field "+unmarshalErr.Value+unmarshalErr.Field+unmarshalErr.Struct, http.StatusBadRequest)
		} else {
			errorResponse(w, "Bad request.", http.StatusBadRequest)
		}
		return
	}
	var role rtctokenbuilder.Role
	switch t_int.Role {
	case 1:
		role = rtctokenbuilder.RolePublisher
	case 2:
		role = rtctokenbuilder.RoleSubscriber
	}

	errorResponse(w, generateRtcToken(t_int.Uid_rtc_int, t_int.Channel_name, role), http.StatusOK)
	if !quiet {
		log.Println(w, r)
	}
}

// errorResponse answers {"token": message, "code": "<status>"}, for tokens as well as errors.
func errorResponse(w http.ResponseWriter, message string, httpStatusCode int) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(httpStatusCode)
	resp := make(map[string]string)
	resp["token"] = message
	resp["code"] = strconv.Itoa(httpStatusCode)
	jsonResp, _ := json.Marshal(resp)
	w.Write(jsonResp)
}

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.String("port", env("PORT", "0"), "port to listen on (0: a free port)")
	// The defaults are the test App ID and certificate that bench/server.mjs uses.
	flag.StringVar(&appID, "app-id", env("APP_ID", "970CA35de60c44645bbae8a215061b33"), "App ID")
	flag.StringVar(&appCertificate, "app-certificate", env("APP_CERTIFICATE", "5CFd2fd1755d40ecb72977518be15d3b"), "App certificate")
	flag.UintVar(&tokenExpire, "token-expire", 3600, "token lifetime, seconds")
	flag.UintVar(&privilegeExpire, "privilege-expire", 3600, "privilege lifetime, seconds")
	flag.BoolVar(&quiet, "quiet", false, "drop the docs sample's per-request prints (token and inputs on stdout, request on stderr)")
	flag.Parse()

	http.HandleFunc("/fetch_rtc_token", rtcTokenHandler)

	listener, err := net.Listen("tcp", net.JoinHostPort(*host, *port))
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{}
	stopped := make(chan struct{})
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, os.Interrupt)
	go func() {
		<-signals
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(ctx)
		close(stopped)
	}()

	fmt.Printf("listening %d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != http.ErrServerClosed {
		log.Fatal(err)
	}
	<-stopped
}

// Package accesstoken2 builds Agora AccessToken2 ("007") tokens with the RTC service, for the
// bench's Go docs-sample server. It is written for this bench after the Go reference builder in
// AgoraIO/Tools (DynamicKey/AgoraDynamicKey/go/src/accesstoken2, MIT License, Copyright (c) 2023
// Agora Community), not copied from it: same exported names and the same token bytes for the same
// inputs, and on purpose the same work per token, since the bench measures that work: a map of
// privileges sorted on packing, every integer written through encoding/binary, the global
// math/rand source reseeded for each salt, and a new compress/zlib writer for every token. Only
// the RTC service is here (the reference also has RTM, FPA, Chat and Education). See ../README.md.
package accesstoken2

import (
	"bytes"
	"compress/zlib"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"time"
)

// Version is the prefix of every AccessToken2.
const Version = "007"

// Service types and RTC privileges, as numbered by AccessToken2.
const (
	ServiceTypeRtc = 1

	PrivilegeJoinChannel        = 1
	PrivilegePublishAudioStream = 2
	PrivilegePublishVideoStream = 3
	PrivilegePublishDataStream  = 4
)

// IService is a service that a token carries.
type IService interface {
	getServiceType() uint16
	Pack(io.Writer) error
}

// Service holds a service's type and its privileges (privilege -> expire, in seconds from the
// token's issue time; 0 never expires).
type Service struct {
	Privileges map[uint16]uint32
	Type       uint16
}

// NewService returns a service of the given type with no privileges.
func NewService(serviceType uint16) *Service {
	return &Service{Privileges: make(map[uint16]uint32), Type: serviceType}
}

// AddPrivilege grants a privilege until expire seconds after the token's issue time.
func (s *Service) AddPrivilege(privilege uint16, expire uint32) {
	s.Privileges[privilege] = expire
}

func (s *Service) getServiceType() uint16 { return s.Type }

// Pack writes the service type, then the privilege count and each (privilege, expire) pair in
// increasing privilege order.
func (s *Service) Pack(w io.Writer) error {
	if err := writeUint16(w, s.Type); err != nil {
		return err
	}
	if err := writeUint16(w, uint16(len(s.Privileges))); err != nil {
		return err
	}
	var order []int // grown by append, not pre-sized: the reference's allocations
	for privilege := range s.Privileges {
		order = append(order, int(privilege))
	}
	sort.Ints(order)
	for _, privilege := range order {
		if err := writeUint16(w, uint16(privilege)); err != nil {
			return err
		}
		if err := writeUint32(w, s.Privileges[uint16(privilege)]); err != nil {
			return err
		}
	}
	return nil
}

// ServiceRtc is the RTC service: its privileges apply to one channel and one uid, the uid given as
// a decimal string ("" for uid 0, which admits any uid).
type ServiceRtc struct {
	*Service
	ChannelName string
	Uid         string
}

// NewServiceRtc returns an RTC service for channelName and uid, with no privileges yet.
func NewServiceRtc(channelName string, uid string) *ServiceRtc {
	return &ServiceRtc{Service: NewService(ServiceTypeRtc), ChannelName: channelName, Uid: uid}
}

// Pack writes the service and its privileges, then the channel name and the uid.
func (s *ServiceRtc) Pack(w io.Writer) error {
	if err := s.Service.Pack(w); err != nil {
		return err
	}
	if err := writeString(w, s.ChannelName); err != nil {
		return err
	}
	return writeString(w, s.Uid)
}

// AccessToken is an AccessToken2 under construction.
type AccessToken struct {
	AppCert  string
	AppId    string
	Expire   uint32
	IssueTs  uint32
	Salt     uint32
	Services map[uint16]IService
}

// NewAccessToken starts a token issued now with a random salt, valid for expire seconds.
func NewAccessToken(appId string, appCert string, expire uint32) *AccessToken {
	return &AccessToken{
		AppCert:  appCert,
		AppId:    appId,
		Expire:   expire,
		IssueTs:  uint32(time.Now().Unix()),
		Salt:     randomSalt(),
		Services: make(map[uint16]IService),
	}
}

// AddService adds a service to the token (one per service type).
func (t *AccessToken) AddService(service IService) {
	t.Services[service.getServiceType()] = service
}

// packOrder is the order in which services are written.
var packOrder = []uint16{ServiceTypeRtc}

// Build signs the token and returns it as "007" + base64(zlib(signature, message)).
func (t *AccessToken) Build() (string, error) {
	if !isHex32(t.AppId) || !isHex32(t.AppCert) {
		return "", errors.New("check appId or appCertificate")
	}

	message := new(bytes.Buffer)
	if err := writeString(message, t.AppId); err != nil {
		return "", err
	}
	if err := writeUint32(message, t.IssueTs); err != nil {
		return "", err
	}
	if err := writeUint32(message, t.Expire); err != nil {
		return "", err
	}
	if err := writeUint32(message, t.Salt); err != nil {
		return "", err
	}
	if err := writeUint16(message, uint16(len(t.Services))); err != nil {
		return "", err
	}

	key, err := t.signingKey()
	if err != nil {
		return "", err
	}

	for _, serviceType := range packOrder {
		if service, ok := t.Services[serviceType]; ok {
			if err := service.Pack(message); err != nil {
				return "", err
			}
		}
	}

	mac := hmac.New(sha256.New, key)
	mac.Write(message.Bytes())
	signature := mac.Sum(nil)

	content := new(bytes.Buffer)
	if err := writeString(content, string(signature)); err != nil {
		return "", err
	}
	content.Write(message.Bytes())

	return Version + base64.StdEncoding.EncodeToString(deflate(content.Bytes())), nil
}

// signingKey is HMAC-SHA256(key: salt, HMAC-SHA256(key: issueTs, certificate)), both integers
// packed little-endian.
func (t *AccessToken) signingKey() ([]byte, error) {
	issued := new(bytes.Buffer)
	if err := writeUint32(issued, t.IssueTs); err != nil {
		return nil, err
	}
	first := hmac.New(sha256.New, issued.Bytes())
	first.Write([]byte(t.AppCert))

	salt := new(bytes.Buffer)
	if err := writeUint32(salt, t.Salt); err != nil {
		return nil, err
	}
	second := hmac.New(sha256.New, salt.Bytes())
	second.Write(first.Sum(nil))
	return second.Sum(nil), nil
}

// GetUidStr turns a numeric uid into the token's uid string ("" for 0).
func GetUidStr(uid uint32) string {
	if uid == 0 {
		return ""
	}
	return fmt.Sprintf("%d", uid)
}

// randomSalt reseeds the global source from the clock and draws from [1, 99999999), as the
// reference does for every token.
func randomSalt() uint32 {
	const low, high = 1, 99999999
	rand.Seed(time.Now().UnixNano())
	return uint32(rand.Intn(high-low) + low)
}

// deflate compresses with a new zlib writer at the default level.
func deflate(data []byte) []byte {
	var out bytes.Buffer
	writer := zlib.NewWriter(&out)
	writer.Write(data)
	writer.Close()
	return out.Bytes()
}

func isHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

func writeUint16(w io.Writer, n uint16) error { return binary.Write(w, binary.LittleEndian, n) }

func writeUint32(w io.Writer, n uint32) error { return binary.Write(w, binary.LittleEndian, n) }

// writeString writes a uint16 length, then the bytes.
func writeString(w io.Writer, s string) error {
	if err := writeUint16(w, uint16(len(s))); err != nil {
		return err
	}
	_, err := w.Write([]byte(s))
	return err
}

// Package rtctokenbuilder2 builds RTC AccessToken2 ("007") tokens, with the API of the Go reference
// builder in AgoraIO/Tools (DynamicKey/AgoraDynamicKey/go/src/rtctokenbuilder2, MIT License,
// Copyright (c) 2023 Agora Community) that Agora's docs-sample token server calls. Written for the
// bench after that builder, not copied from it; only the two functions the docs sample reaches are
// here. See ../README.md.
package rtctokenbuilder2

import accesstoken "agate-bench/go-docs-server/accesstoken2"

// Role decides which RTC privileges a token grants.
type Role uint16

const (
	// RolePublisher may join the channel and publish audio, video and data streams.
	RolePublisher = 1
	// RoleSubscriber may only join (the publish privileges matter only with co-host
	// authentication enabled for the project).
	RoleSubscriber = 2
)

// BuildTokenWithUid builds an RTC token for a numeric uid (0 admits any uid). tokenExpire and
// privilegeExpire are seconds from now.
func BuildTokenWithUid(appId string, appCertificate string, channelName string, uid uint32, role Role, tokenExpire uint32, privilegeExpire uint32) (string, error) {
	return BuildTokenWithUserAccount(appId, appCertificate, channelName, accesstoken.GetUidStr(uid), role, tokenExpire, privilegeExpire)
}

// BuildTokenWithUserAccount builds an RTC token for a string user account.
func BuildTokenWithUserAccount(appId string, appCertificate string, channelName string, account string, role Role, tokenExpire uint32, privilegeExpire uint32) (string, error) {
	token := accesstoken.NewAccessToken(appId, appCertificate, tokenExpire)
	rtc := accesstoken.NewServiceRtc(channelName, account)
	rtc.AddPrivilege(accesstoken.PrivilegeJoinChannel, privilegeExpire)
	if role == RolePublisher {
		rtc.AddPrivilege(accesstoken.PrivilegePublishAudioStream, privilegeExpire)
		rtc.AddPrivilege(accesstoken.PrivilegePublishVideoStream, privilegeExpire)
		rtc.AddPrivilege(accesstoken.PrivilegePublishDataStream, privilegeExpire)
	}
	token.AddService(rtc)
	return token.Build()
}

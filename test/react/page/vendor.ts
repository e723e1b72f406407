/** React, ReactDOM and agora-rtc-react as page globals, so the helper's own script can share them. */
import * as AgoraRTCReact from 'agora-rtc-react'
import * as React from 'react'
import * as ReactDOMClient from 'react-dom/client'

Object.assign(window, { React, ReactDOMClient, AgoraRTCReact })

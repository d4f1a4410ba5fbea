' Hjem til Os vault: starts the background agent at login, without a console window.
' Written by "retention agent install", removed by "retention agent uninstall".
Set shell = CreateObject("WScript.Shell")
@ENVIRONMENT@
shell.Run @COMMAND@, 0, False

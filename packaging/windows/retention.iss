; Inno Setup 6 script: iscc packaging\windows\retention.iss (after the PyInstaller build)
[Setup]
AppName=Hjem til Os
AppVersion=0.1.0
DefaultDirName={autopf}\Hjem til Os
DefaultGroupName=Hjem til Os
OutputDir=..\..\dist
OutputBaseFilename=HjemTilOs-setup
PrivilegesRequired=lowest

[Files]
Source: "..\..\dist\retention\*"; DestDir: "{app}"; Flags: recursesubdirs

[Icons]
Name: "{group}\Hjem til Os – status"; Filename: "{app}\retention.exe"; Parameters: "status"
Name: "{group}\Hjem til Os – eksportér billeder"; Filename: "{app}\retention-agent.exe"; Parameters: "wizard"
Name: "{userstartup}\Hjem til Os"; Filename: "{app}\retention-agent.exe"; Parameters: "agent run"

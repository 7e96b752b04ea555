; Kebao's Windows installer (NSIS 3, 64-bit Unicode). installer/windows.py lays out the
; files and runs makensis with these defines:
;   VERSION      Kebao's version ("0.1.0")        VI_VERSION  the same as four numbers
;   PAYLOAD      the folder to install: python\, kebao.cmd, kebao.ico
;   OUTFILE      the setup program to write      MIN_BUILD   the oldest Windows build (17763)
;   INSTALL_MB   the disk space the files take once installed and compiled
;
; setup.exe [/S] [/D=C:\path]         /S: silent; /D: the folder (last on the line)
; uninstall.exe [/S] [/DELETEDATA]    the school's data stays unless asked for
; Exit codes: 0 installed (and the kit applied, when setup.exe sits in a kit's windows\);
; 1 cancelled; 2 refused, nothing changed (Windows too old, too little disk, Kebao still
; running); 3 installed, but the kit's apply step failed (see 安装记录.txt).

Unicode true
Target amd64-unicode
RequestExecutionLevel admin
ManifestDPIAware true
SetCompressor lzma

!include MUI2.nsh
!include LogicLib.nsh
!include WinVer.nsh
!include FileFunc.nsh
!include TextFunc.nsh

!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Kebao"
!define LOG "安装记录.txt"
; Kebao's data folder (app/paths.py: platformdirs.user_data_dir("Kebao", appauthor=False))
!define DATA_FOLDER "$LOCALAPPDATA\Kebao"
!define LAUNCH_ARGS "-X utf8 -m app.cli"

Name "课包"
Caption "课包 ${VERSION} 安装"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\Kebao"
InstallDirRegKey HKLM "${UNINSTALL_KEY}" "InstallLocation"
BrandingText "课包 ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

!define MUI_ICON "${PAYLOAD}\kebao.ico"
!define MUI_UNICON "${PAYLOAD}\kebao.ico"
!define MUI_ABORTWARNING
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_SHOWREADME "$INSTDIR\${LOG}"
!define MUI_FINISHPAGE_SHOWREADME_TEXT "查看安装记录"
!define MUI_FINISHPAGE_SHOWREADME_NOTCHECKED
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${VI_VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "课包 Kebao"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "课包 ${VERSION} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "MIT License"

LangString TooOld ${LANG_SIMPCHINESE} "这台电脑的 Windows 太旧，不能安装课包。$\r$\n$\r$\n课包需要 Windows 10 1809（版本号 ${MIN_BUILD}）或更新的 Windows，这台电脑的版本号是 $0。"
LangString NoSpace ${LANG_SIMPCHINESE} "磁盘空间不够：安装课包需要 ${INSTALL_MB} MB，$1 只剩 $2 MB。$\r$\n请先清理磁盘，或选择另一个磁盘上的文件夹。"
LangString Running ${LANG_SIMPCHINESE} "课包正在运行（或它的文件正被打开），现在不能安装或卸载。$\r$\n请先关闭课包，再试一次。"
LangString Compiling ${LANG_SIMPCHINESE} "正在准备程序文件……"
LangString Applying ${LANG_SIMPCHINESE} "正在应用U盘上的学校配置和资源包（资源包多时需要几分钟）……"
LangString ApplyFailed ${LANG_SIMPCHINESE} "课包已经安装好，但U盘上的学校配置和资源包没有应用成功：$\r$\n$\r$\n$R9$\r$\n$\r$\n详细情况见 $INSTDIR\${LOG}"
LangString NoKit ${LANG_SIMPCHINESE} "安装程序不在安装U盘的 windows 文件夹里（没有 kebao-kit.json），只安装了程序。"

Function .onInit
  ${IfNot} ${AtLeastWin10}
  ${OrIfNot} ${AtLeastBuild} ${MIN_BUILD}
    ${WinVerGetBuild} $0
    MessageBox MB_ICONSTOP|MB_OK "$(TooOld)" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
FunctionEnd

; Moves the installed program aside, to python.old, before anything is removed: Windows
; refuses to rename a folder whose files are open, so a running Kebao stops the install
; or uninstall here with a sentence, and not half-way through deleting.
!macro MoveProgramAside
  ${If} ${FileExists} "$INSTDIR\python\*.*"
    RMDir /r "$INSTDIR\python.old"
    ClearErrors
    Rename "$INSTDIR\python" "$INSTDIR\python.old"
    ${If} ${Errors}
      MessageBox MB_ICONSTOP|MB_OK "$(Running)" /SD IDOK
      SetErrorLevel 2
      Abort
    ${EndIf}
  ${EndIf}
!macroend

Section "课包" SecProgram
  SectionIn RO
  StrCpy $1 "$INSTDIR" 3
  ${DriveSpace} "$1" "/D=F /S=M" $2
  ${If} $2 < ${INSTALL_MB}
    MessageBox MB_ICONSTOP|MB_OK "$(NoSpace)" /SD IDOK
    SetErrorLevel 2
    Abort
  ${EndIf}
  !insertmacro MoveProgramAside

  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*.*"
  RMDir /r "$INSTDIR\python.old"
  ; Program Files is not writable for the PC's users, so Python could never cache its
  ; compiled modules there: compile them now, once, or every start compiles them anew.
  DetailPrint "$(Compiling)"
  nsExec::Exec '"$INSTDIR\python\python.exe" -X utf8 -m compileall -q -j 0 "$INSTDIR\python\Lib\site-packages"'
  Pop $0

  ; For every account: Start menu and desktop. The working folder is $INSTDIR (the
  ; current SetOutPath), which only administrators can write.
  SetShellVarContext all
  CreateShortcut "$SMPROGRAMS\课包.lnk" "$INSTDIR\python\pythonw.exe" "${LAUNCH_ARGS}" "$INSTDIR\kebao.ico" 0 SW_SHOWNORMAL "" "课包：课程资源库和播放器"
  CreateShortcut "$DESKTOP\课包.lnk" "$INSTDIR\python\pythonw.exe" "${LAUNCH_ARGS}" "$INSTDIR\kebao.ico" 0 SW_SHOWNORMAL "" "课包：课程资源库和播放器"

  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayName" "课包"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "Publisher" "课包 Kebao"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\kebao.ico"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "NoRepair" 1
  IntOp $0 ${INSTALL_MB} * 1024
  WriteRegDWORD HKLM "${UNINSTALL_KEY}" "EstimatedSize" $0

  ; The kit this setup.exe was started from: its parent folder, when kebao-kit.json is
  ; there (a setup.exe copied on its own only installs the program).
  ${GetParent} "$EXEDIR" $R0
  ${If} ${FileExists} "$R0\kebao-kit.json"
    DetailPrint "$(Applying)"
    ; "$R0\." and not "$R0\": a backslash before a closing quote would escape it
    nsExec::Exec '"$INSTDIR\python\python.exe" -X utf8 -m installer.windows_apply "$R0\." "$INSTDIR\${LOG}"'
    Pop $0
    StrCpy $R9 ""
    ClearErrors
    FileOpen $1 "$INSTDIR\${LOG}" r
    ${IfNot} ${Errors}
      ${Do}
        FileReadUTF16LE $1 $2
        ${If} ${Errors}
          ${ExitDo}
        ${EndIf}
        ${TrimNewLines} "$2" $2
        DetailPrint "$2"
        StrCpy $R9 "$2"
      ${Loop}
      FileClose $1
    ${EndIf}
    ${If} $0 != 0
      MessageBox MB_ICONEXCLAMATION|MB_OK "$(ApplyFailed)" /SD IDOK
      SetErrorLevel 3
    ${EndIf}
  ${Else}
    DetailPrint "$(NoKit)"
  ${EndIf}
SectionEnd

Section "un.课包程序" SecUnProgram
  SectionIn RO
  !insertmacro MoveProgramAside
  SetShellVarContext all
  Delete "$SMPROGRAMS\课包.lnk"
  Delete "$DESKTOP\课包.lnk"
  RMDir /r "$INSTDIR\python.old"
  Delete "$INSTDIR\kebao.cmd"
  Delete "$INSTDIR\kebao.ico"
  Delete "$INSTDIR\${LOG}"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKLM "${UNINSTALL_KEY}"
SectionEnd

; Off unless ticked (or /DELETEDATA): the library, learners and their progress of the
; account that uninstalls.
Section /o "un.删除本账户的课包数据（资源库、学生和学习记录）" SecUnData
  SetShellVarContext current
  RMDir /r "${DATA_FOLDER}"
SectionEnd

Function un.onInit
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} "$0" "/DELETEDATA" $1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecUnData} ${SF_SELECTED}
  ${EndIf}
FunctionEnd

<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>Background</name>
    <message>
        <location filename="../tasks.py" line="78" />
        <source>Something went wrong: {0}</source>
        <translation>出错了：{0}</translation>
    </message>
</context>
<context>
    <name>Classroom</name>
    <message>
        <location filename="../gui/classroom.py" line="68" />
        <source>Class (for the play log)</source>
        <translation>班级（用于播放记录）</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="93" />
        <location filename="../gui/classroom.py" line="98" />
        <source>Unassigned class</source>
        <translation>未指定班级</translation>
    </message>
</context>
<context>
    <name>DrivesPage</name>
    <message>
        <location filename="../gui/drives_page.py" line="152" />
        <source>Insert a USB drive with Kebao packages</source>
        <translation>请插入装有课包资源的U盘</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="158" />
        <source>Package</source>
        <translation>资源包</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="158" />
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="158" />
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="158" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="168" />
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="171" />
        <source>Export installed packages to this drive</source>
        <translation>把已安装的资源包导出到此U盘</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="174" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="184" />
        <source>USB drives</source>
        <translation>U盘</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="189" />
        <source>Units (untick those you do not need)</source>
        <translation>单元（不需要的请取消勾选）</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="224" />
        <source>The USB drive was removed.</source>
        <translation>U盘已拔出。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="244" />
        <source>Not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="245" />
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="246" />
        <source>Partly installed</source>
        <translation>部分安装</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="247" />
        <source>Newer version</source>
        <translation>有新版本</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="248" />
        <source>Older than installed</source>
        <translation>比已安装的旧</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="282" />
        <source>Tick at least one unit.</source>
        <translation>请至少勾选一个单元。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="297" />
        <source>Imported {0}.</source>
        <translation>已导入 {0}。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="311" />
        <source>Exported and verified {0} packages.</source>
        <translation>已导出并校验 {0} 个资源包。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="317" />
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="328" />
        <source>Cancelled. Nothing was changed.</source>
        <translation>已取消，没有做任何改动。</translation>
    </message>
</context>
<context>
    <name>LibraryPage</name>
    <message>
        <location filename="../gui/library_page.py" line="69" />
        <source>Type a lesson name or pinyin initials, e.g. fsdcbrs</source>
        <translation>输入课名或拼音首字母，例如 fsdcbrs</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="79" />
        <source>Stage</source>
        <translation>学段</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="80" />
        <source>Grade</source>
        <translation>年级</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="81" />
        <source>Subject</source>
        <translation>学科</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="82" />
        <source>Edition</source>
        <translation>教材版本</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="83" />
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="87" />
        <source>All stages</source>
        <translation>全部学段</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="88" />
        <source>All grades</source>
        <translation>全部年级</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="89" />
        <source>All subjects</source>
        <translation>全部学科</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="90" />
        <source>All editions</source>
        <translation>全部版本</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="91" />
        <source>All volumes</source>
        <translation>全部册次</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="111" />
        <source>Nothing found. Try fewer characters or pinyin initials.</source>
        <translation>没有找到。试试少输几个字，或输入拼音首字母。</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="117" />
        <source>Choose a lesson on the left</source>
        <translation>请在左边选择一课</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="128" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="129" />
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="130" />
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="131" />
        <source>Subtitles</source>
        <translation>字幕</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="132" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="133" />
        <source>Watched</source>
        <translation>学习情况</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="141" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="145" />
        <source>Add to class playlist</source>
        <translation>加入课堂播放列表</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="254" />
        <source>Yes</source>
        <translation>有</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../gui/window.py" line="33" />
        <source>Kebao</source>
        <translation>课包</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="51" />
        <source>Library</source>
        <translation>资源库</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="52" />
        <source>Classroom</source>
        <translation>课堂模式</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="53" />
        <source>USB drive</source>
        <translation>U盘</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="54" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="87" />
        <source>Finished</source>
        <translation>已学完</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="89" />
        <source>{0}% watched</source>
        <translation>已看 {0}%</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="89" />
        <source>Opened</source>
        <translation>已打开</translation>
    </message>
</context>
<context>
    <name>PlayerPage</name>
    <message>
        <location filename="../gui/player_page.py" line="102" />
        <location filename="../gui/player_page.py" line="232" />
        <location filename="../gui/player_page.py" line="236" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="105" />
        <source>−10 s</source>
        <translation>后退 10 秒</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="108" />
        <source>+10 s</source>
        <translation>前进 10 秒</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="133" />
        <location filename="../gui/player_page.py" line="199" />
        <source>Subtitles on</source>
        <translation>字幕：开</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="138" />
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="154" />
        <source>Speed</source>
        <translation>倍速</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="154" />
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="199" />
        <source>Subtitles off</source>
        <translation>字幕：关</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="230" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../gui/settings_page.py" line="32" />
        <source>Publisher</source>
        <translation>发布者</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="32" />
        <source>Key id</source>
        <translation>密钥编号</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="36" />
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="39" />
        <source>Trusted publishers</source>
        <translation>受信任的发布者</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="50" />
        <source>Automatic (VLC if installed)</source>
        <translation>自动（已安装 VLC 时用 VLC）</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="51" />
        <source>VLC</source>
        <translation>VLC</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="52" />
        <source>Qt's own player</source>
        <translation>Qt 自带播放器</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="59" />
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="61" />
        <source>Player</source>
        <translation>播放器</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="72" />
        <source>Saved. It takes effect when Kebao is opened again.</source>
        <translation>已保存，重新打开课包后生效。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="92" />
        <source>{packages} packages, {used} used, {free} free</source>
        <translation>{packages} 个资源包，已用 {used}，剩余 {free}</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <location filename="../texts.py" line="13" />
        <source>Lesson video</source>
        <translation>课程视频</translation>
    </message>
    <message>
        <location filename="../texts.py" line="14" />
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../texts.py" line="15" />
        <source>Courseware</source>
        <translation>课件</translation>
    </message>
    <message>
        <location filename="../texts.py" line="16" />
        <source>Teaching design</source>
        <translation>教学设计</translation>
    </message>
    <message>
        <location filename="../texts.py" line="17" />
        <source>Worksheet</source>
        <translation>学习任务单</translation>
    </message>
    <message>
        <location filename="../texts.py" line="18" />
        <source>Exercises</source>
        <translation>课后练习</translation>
    </message>
    <message>
        <location filename="../texts.py" line="19" />
        <source>Document</source>
        <translation>资料</translation>
    </message>
    <message>
        <location filename="../texts.py" line="20" />
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../texts.py" line="27" />
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location filename="../texts.py" line="28" />
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location filename="../texts.py" line="29" />
        <source>Damaged, import again</source>
        <translation>已损坏，请重新导入</translation>
    </message>
    <message>
        <location filename="../texts.py" line="38" />
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../texts.py" line="40" />
        <source>{0} min {1} s</source>
        <translation>{0} 分 {1} 秒</translation>
    </message>
    <message>
        <location filename="../texts.py" line="41" />
        <source>{0} h {1} min</source>
        <translation>{0} 小时 {1} 分</translation>
    </message>
    <message>
        <location filename="../texts.py" line="48" />
        <source>{done} of {total}</source>
        <translation>已完成 {done} / {total}</translation>
    </message>
    <message>
        <location filename="../texts.py" line="51" />
        <source>{done} of {total}, {rate}/s, about {left} left</source>
        <translation>已完成 {done} / {total}，{rate}/秒，大约还需 {left}</translation>
    </message>
</context>
</TS>
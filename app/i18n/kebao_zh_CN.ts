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
    <name>LibraryPage</name>
    <message>
        <location filename="../gui/library_page.py" line="67" />
        <source>Type a lesson name or pinyin initials, e.g. fsdcbrs</source>
        <translation>输入课名或拼音首字母，例如 fsdcbrs</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="77" />
        <source>Stage</source>
        <translation>学段</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="78" />
        <source>Grade</source>
        <translation>年级</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="79" />
        <source>Subject</source>
        <translation>学科</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="80" />
        <source>Edition</source>
        <translation>教材版本</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="81" />
        <source>Volume</source>
        <translation>册</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="85" />
        <source>All stages</source>
        <translation>全部学段</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="86" />
        <source>All grades</source>
        <translation>全部年级</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="87" />
        <source>All subjects</source>
        <translation>全部学科</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="88" />
        <source>All editions</source>
        <translation>全部版本</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="89" />
        <source>All volumes</source>
        <translation>全部册次</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="109" />
        <source>Nothing found. Try fewer characters or pinyin initials.</source>
        <translation>没有找到。试试少输几个字，或输入拼音首字母。</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="115" />
        <source>Choose a lesson on the left</source>
        <translation>请在左边选择一课</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="124" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="125" />
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="126" />
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="127" />
        <source>Subtitles</source>
        <translation>字幕</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="128" />
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="136" />
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="241" />
        <source>Yes</source>
        <translation>有</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../gui/window.py" line="15" />
        <source>Kebao</source>
        <translation>课包</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="24" />
        <source>Library</source>
        <translation>资源库</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="25" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../gui/settings_page.py" line="21" />
        <source>Publisher</source>
        <translation>发布者</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="21" />
        <source>Key id</source>
        <translation>密钥编号</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="25" />
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="28" />
        <source>Trusted publishers</source>
        <translation>受信任的发布者</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="36" />
        <source>{packages} packages, {used} used, {free} free</source>
        <translation>{packages} 个资源包，已用 {used}，剩余 {free}</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <location filename="../texts.py" line="12" />
        <source>Lesson video</source>
        <translation>课程视频</translation>
    </message>
    <message>
        <location filename="../texts.py" line="13" />
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../texts.py" line="14" />
        <source>Courseware</source>
        <translation>课件</translation>
    </message>
    <message>
        <location filename="../texts.py" line="15" />
        <source>Teaching design</source>
        <translation>教学设计</translation>
    </message>
    <message>
        <location filename="../texts.py" line="16" />
        <source>Worksheet</source>
        <translation>学习任务单</translation>
    </message>
    <message>
        <location filename="../texts.py" line="17" />
        <source>Exercises</source>
        <translation>课后练习</translation>
    </message>
    <message>
        <location filename="../texts.py" line="18" />
        <source>Document</source>
        <translation>资料</translation>
    </message>
    <message>
        <location filename="../texts.py" line="19" />
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../texts.py" line="26" />
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location filename="../texts.py" line="27" />
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location filename="../texts.py" line="28" />
        <source>Damaged, import again</source>
        <translation>已损坏，请重新导入</translation>
    </message>
</context>
</TS>
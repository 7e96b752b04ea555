<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Background</name>
    <message>
        <location filename="../tasks.py" line="94"/>
        <source>Something went wrong: {0}</source>
        <translation>出错了：{0}</translation>
    </message>
</context>
<context>
    <name>Classroom</name>
    <message>
        <location filename="../gui/classroom.py" line="124"/>
        <source>Class (for the play log)</source>
        <translation>班级（用于播放记录）</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="130"/>
        <source>Open a live class…</source>
        <translation>打开直播课堂…</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="152"/>
        <location filename="../gui/classroom.py" line="157"/>
        <source>Unassigned class</source>
        <translation>未指定班级</translation>
    </message>
</context>
<context>
    <name>CompletionChart</name>
    <message>
        <location filename="../gui/learners_page.py" line="496"/>
        <source>{0}% ({1} of {2})</source>
        <translation>{0}%（{1}/{2} 人）</translation>
    </message>
</context>
<context>
    <name>DownloadsPage</name>
    <message>
        <location filename="../gui/downloads_page.py" line="157"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="157"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="157"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="167"/>
        <source>Move up</source>
        <translation>上移</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="170"/>
        <source>Move down</source>
        <translation>下移</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="173"/>
        <location filename="../gui/downloads_page.py" line="285"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="199"/>
        <source>Packages the hub offers (tick to subscribe)</source>
        <translation>同步中心提供的资源包（勾选即订阅）</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="237"/>
        <source>The hub does not offer this package</source>
        <translation>同步中心没有这个资源包</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="239"/>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="243"/>
        <source>Uploading, {0}%</source>
        <translation>上传中，{0}%</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="244"/>
        <source>Downloading, {0}%</source>
        <translation>下载中，{0}%</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="246"/>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="248"/>
        <source>Failed: {0}</source>
        <translation>失败：{0}</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="250"/>
        <source>Waiting: {0}</source>
        <translation>等待：{0}</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="251"/>
        <source>Waiting</source>
        <translation>等待</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="259"/>
        <source>Upload: {0}</source>
        <translation>上传：{0}</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="270"/>
        <source>This PC is not enrolled with a hub: enrol it on the Sync page first.</source>
        <translation>本机还没有登记到同步中心：请先在“同步”页登记。</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="274"/>
        <source>Cannot reach the hub ({0}): the list is as it was last read.</source>
        <translation>连不上同步中心（{0}）：下面是上次读到的情况。</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="281"/>
        <source>Paused. Press Resume to go on.</source>
        <translation>已暂停。按“继续”接着传。</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="285"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../gui/downloads_page.py" line="295"/>
        <source>Now moving: {0}</source>
        <translation>正在传输：{0}</translation>
    </message>
</context>
<context>
    <name>DrivesPage</name>
    <message>
        <location filename="../gui/drives_page.py" line="153"/>
        <source>Insert a USB drive with Kebao packages</source>
        <translation>请插入装有课包资源的U盘</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="159"/>
        <source>Package</source>
        <translation>资源包</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="159"/>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="159"/>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="159"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="169"/>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="172"/>
        <source>Export installed packages to this drive</source>
        <translation>把已安装的资源包导出到此U盘</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="175"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="185"/>
        <source>USB drives</source>
        <translation>U盘</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="190"/>
        <source>Units (untick those you do not need)</source>
        <translation>单元（不需要的请取消勾选）</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="225"/>
        <source>The USB drive was removed.</source>
        <translation>U盘已拔出。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="246"/>
        <source>Not installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="247"/>
        <source>Installed</source>
        <translation>已安装</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="248"/>
        <source>Partly installed</source>
        <translation>部分安装</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="249"/>
        <source>Newer version</source>
        <translation>有新版本</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="250"/>
        <source>Older than installed</source>
        <translation>比已安装的旧</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="284"/>
        <source>Tick at least one unit.</source>
        <translation>请至少勾选一个单元。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="299"/>
        <source>Imported {0}.</source>
        <translation>已导入 {0}。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="315"/>
        <source>Exported and verified {0} packages.</source>
        <translation>已导出并校验 {0} 个资源包。</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="321"/>
        <source>Working…</source>
        <translation>正在处理…</translation>
    </message>
    <message>
        <location filename="../gui/drives_page.py" line="332"/>
        <source>Cancelled. Nothing was changed.</source>
        <translation>已取消，没有做任何改动。</translation>
    </message>
</context>
<context>
    <name>HomePage</name>
    <message>
        <location filename="../gui/home_page.py" line="167"/>
        <source>Welcome to Kebao</source>
        <translation>欢迎使用课包</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="169"/>
        <source>Choose your name to continue where you stopped.</source>
        <translation>选择你的名字，从上次停下的地方接着学。</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="171"/>
        <source>Choose my name</source>
        <translation>选择我的名字</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="183"/>
        <source>Not you? Choose your name</source>
        <translation>不是你？选择你的名字</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="191"/>
        <source>Continue learning</source>
        <translation>继续学习</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="192"/>
        <source>Nothing to continue yet. Choose a lesson in the Library.</source>
        <translation>还没有要继续的课。去资源库选一课吧。</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="196"/>
        <location filename="../gui/home_page.py" line="308"/>
        <source>Finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="196"/>
        <source>No lesson finished yet.</source>
        <translation>还没有学完的课。</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="200"/>
        <source>Teacher mode</source>
        <translation>教师模式</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="205"/>
        <source>Played in class today</source>
        <translation>今天课堂上播放的课</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="206"/>
        <source>No lesson was played in class today. Choose one in the Library.</source>
        <translation>今天课堂上还没有播放过课。去资源库选一课吧。</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="210"/>
        <source>Recent lessons</source>
        <translation>最近的课</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="210"/>
        <source>No lessons in the last two weeks.</source>
        <translation>最近两周没有上课记录。</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="257"/>
        <source>Hello, {0}!</source>
        <translation>{0}，你好！</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="296"/>
        <source>Stopped at {0} of {1}</source>
        <translation>上次看到 {0} / {1}</translation>
    </message>
    <message>
        <location filename="../gui/home_page.py" line="299"/>
        <source>Opened</source>
        <translation>已打开</translation>
    </message>
</context>
<context>
    <name>LearnerDialog</name>
    <message>
        <location filename="../gui/learners_page.py" line="326"/>
        <source>Add a learner</source>
        <translation>添加学生</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="356"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="360"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="361"/>
        <source>Class</source>
        <translation>班级</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="362"/>
        <source>Avatar colour</source>
        <translation>头像颜色</translation>
    </message>
</context>
<context>
    <name>LearnersPage</name>
    <message>
        <location filename="../gui/learners_page.py" line="171"/>
        <source>Today {0}</source>
        <translation>今天 {0}</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="173"/>
        <source>Yesterday {0}</source>
        <translation>昨天 {0}</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="217"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="528"/>
        <source>Add learner</source>
        <translation>添加学生</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="531"/>
        <location filename="../gui/learners_page.py" line="727"/>
        <location filename="../gui/learners_page.py" line="737"/>
        <source>Teacher mode</source>
        <translation>教师模式</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="544"/>
        <source>No teacher PIN is set yet: anyone can enter teacher mode.</source>
        <translation>还没有设置教师密码：任何人都能进入教师模式。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="546"/>
        <source>Set teacher PIN</source>
        <translation>设置教师密码</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="571"/>
        <source>No learners yet. A teacher adds them in teacher mode, or IT staff import a class list (kebao learners import).</source>
        <translation>还没有学生。老师可以在教师模式中添加，或由信息技术人员导入班级名单（kebao learners import）。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="592"/>
        <source>Lesson</source>
        <translation>课</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="593"/>
        <source>Resource</source>
        <translation>资源</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="594"/>
        <source>Watched</source>
        <translation>观看进度</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="595"/>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="596"/>
        <source>Last watched</source>
        <translation>最后观看</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="605"/>
        <location filename="../gui/learners_page.py" line="878"/>
        <source>Archive learner</source>
        <translation>归档学生</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="621"/>
        <source>Progress</source>
        <translation>学习进度</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="622"/>
        <location filename="../gui/learners_page.py" line="849"/>
        <source>Class completion</source>
        <translation>班级完成情况</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="635"/>
        <source>All classes</source>
        <translation>全部班级</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="727"/>
        <source>Leave teacher mode</source>
        <translation>退出教师模式</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="736"/>
        <source>Teacher mode: {0}</source>
        <translation>教师模式：{0}</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="740"/>
        <source>Now learning: {0}</source>
        <translation>正在学习：{0}</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="742"/>
        <source>Tap your name to start</source>
        <translation>点一下你的名字，开始学习</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="768"/>
        <source>{0}, enter your PIN</source>
        <translation>{0}，请输入你的密码</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="797"/>
        <source>Teacher PIN</source>
        <translation>请输入教师密码</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="816"/>
        <source>Tap a learner to see their progress.</source>
        <translation>点一个学生，查看学习进度。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="819"/>
        <source>{0} ({1})</source>
        <translation>{0}（{1}）</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="831"/>
        <source>{0} has not watched anything yet.</source>
        <translation>{0}还没有学习记录。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="836"/>
        <source>(removed from the library)</source>
        <translation>（已从资源库删除）</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="840"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="849"/>
        <source>Choose a class above.</source>
        <translation>请在上方选择一个班级。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="851"/>
        <source>{0}: share of the class that completed each lesson</source>
        <translation>{0}：各课完成的学生比例</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="852"/>
        <source>Nobody in this class has watched a lesson yet.</source>
        <translation>这个班还没有人学过课。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="880"/>
        <source>Archive {0} ({1})? They leave the list of names; their progress stays in the reports.</source>
        <translation>归档{0}（{1}）？归档后不再出现在名单中，学习记录仍保留在报告里。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="887"/>
        <source>Archive</source>
        <translation>归档</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="910"/>
        <source>Teachers</source>
        <translation>教师</translation>
    </message>
</context>
<context>
    <name>LibraryPage</name>
    <message>
        <location filename="../gui/library_page.py" line="70"/>
        <source>Type a lesson name or pinyin initials, e.g. fsdcbrs</source>
        <translation>输入课名或拼音首字母，例如 fsdcbrs</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="80"/>
        <source>Stage</source>
        <translation>学段</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="81"/>
        <source>Grade</source>
        <translation>年级</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="82"/>
        <source>Subject</source>
        <translation>学科</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="83"/>
        <source>Edition</source>
        <translation>教材版本</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="84"/>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="88"/>
        <source>All stages</source>
        <translation>全部学段</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="89"/>
        <source>All grades</source>
        <translation>全部年级</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="90"/>
        <source>All subjects</source>
        <translation>全部学科</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="91"/>
        <source>All editions</source>
        <translation>全部版本</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="92"/>
        <source>All volumes</source>
        <translation>全部册次</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="112"/>
        <source>Nothing found. Try fewer characters or pinyin initials.</source>
        <translation>没有找到。试试少输几个字，或输入拼音首字母。</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="118"/>
        <source>Choose a lesson on the left</source>
        <translation>请在左边选择一课</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="129"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="130"/>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="131"/>
        <source>Length</source>
        <translation>时长</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="132"/>
        <source>Subtitles</source>
        <translation>字幕</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="133"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="134"/>
        <source>Watched</source>
        <translation>学习情况</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="142"/>
        <location filename="../gui/library_page.py" line="292"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="146"/>
        <source>Add to class playlist</source>
        <translation>加入课堂播放列表</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="275"/>
        <source>Yes</source>
        <translation>有</translation>
    </message>
    <message>
        <location filename="../gui/library_page.py" line="292"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
</context>
<context>
    <name>LiveClassDialog</name>
    <message>
        <location filename="../gui/classroom.py" line="64"/>
        <source>Open a live class</source>
        <translation>打开直播课堂</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="65"/>
        <source>The address of the live class, from the school that gives it:</source>
        <translation>直播课堂的地址（由主讲学校提供）：</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="71"/>
        <source>e.g. rtmp://live.example.cn/class</source>
        <translation>例如 rtmp://live.example.cn/class</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="78"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="80"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../gui/classroom.py" line="98"/>
        <source>This is not the address of a live class: it starts with http://, https://, rtmp:// or rtsp://.</source>
        <translation>这不是直播课堂的地址：地址应以 http://、https://、rtmp:// 或 rtsp:// 开头。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../gui/window.py" line="65"/>
        <source>Kebao</source>
        <translation>课包</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="101"/>
        <source>Home</source>
        <translation>首页</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="102"/>
        <source>Library</source>
        <translation>资源库</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="103"/>
        <source>Classroom</source>
        <translation>课堂模式</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="104"/>
        <source>Learners</source>
        <translation>学生</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="105"/>
        <source>USB drive</source>
        <translation>U盘</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="106"/>
        <source>Sync</source>
        <translation>同步</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="107"/>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="108"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="166"/>
        <source>Finished</source>
        <translation>已学完</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="168"/>
        <source>{0}% watched</source>
        <translation>已看 {0}%</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="168"/>
        <source>Opened</source>
        <translation>已打开</translation>
    </message>
    <message>
        <location filename="../gui/window.py" line="254"/>
        <source>Live class: {0}</source>
        <translation>直播课堂：{0}</translation>
    </message>
</context>
<context>
    <name>PdfView</name>
    <message>
        <location filename="../gui/pdf_view.py" line="101"/>
        <source>Back</source>
        <translation>返回</translation>
    </message>
    <message>
        <location filename="../gui/pdf_view.py" line="104"/>
        <source>Previous page</source>
        <translation>上一页</translation>
    </message>
    <message>
        <location filename="../gui/pdf_view.py" line="107"/>
        <source>Next page</source>
        <translation>下一页</translation>
    </message>
    <message>
        <location filename="../gui/pdf_view.py" line="112"/>
        <source>Whole page</source>
        <translation>整页显示</translation>
    </message>
    <message>
        <location filename="../gui/pdf_view.py" line="116"/>
        <source>Open in another program</source>
        <translation>用其他程序打开</translation>
    </message>
    <message>
        <location filename="../gui/pdf_view.py" line="189"/>
        <source>Page {0} of {1}</source>
        <translation>第 {0} / {1} 页</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <location filename="../gui/learners_page.py" line="251"/>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="268"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="277"/>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="299"/>
        <source>A PIN has 4 to 8 digits.</source>
        <translation>密码是 4–8 位数字。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="302"/>
        <source>Checking…</source>
        <translation>正在核对…</translation>
    </message>
</context>
<context>
    <name>PlayerBackend</name>
    <message>
        <location filename="../player_backend.py" line="61"/>
        <source>VLC was not found, so Qt&apos;s own player is used; some formats (such as RMVB and FLV) may not play</source>
        <translation>未找到 VLC，已改用 Qt 自带播放器；部分格式（如 RMVB、FLV）可能无法播放</translation>
    </message>
</context>
<context>
    <name>PlayerPage</name>
    <message>
        <location filename="../gui/player_page.py" line="110"/>
        <location filename="../gui/player_page.py" line="253"/>
        <location filename="../gui/player_page.py" line="257"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="113"/>
        <source>−10 s</source>
        <translation>后退 10 秒</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="116"/>
        <source>+10 s</source>
        <translation>前进 10 秒</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="141"/>
        <location filename="../gui/player_page.py" line="212"/>
        <source>Subtitles on</source>
        <translation>字幕：开</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="146"/>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="162"/>
        <source>Speed</source>
        <translation>倍速</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="162"/>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="212"/>
        <source>Subtitles off</source>
        <translation>字幕：关</translation>
    </message>
    <message>
        <location filename="../gui/player_page.py" line="250"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message>
        <location filename="../session.py" line="26"/>
        <source>That PIN is not right. Please try again.</source>
        <translation>密码不对，请再试一次。</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <location filename="../gui/settings_page.py" line="64"/>
        <source>Publisher</source>
        <translation>发布者</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="64"/>
        <source>Key id</source>
        <translation>密钥编号</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="74"/>
        <source>Trust a publisher…</source>
        <translation>信任发布者…</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="77"/>
        <location filename="../gui/settings_page.py" line="287"/>
        <location filename="../gui/settings_page.py" line="295"/>
        <source>Stop trusting</source>
        <translation>不再信任</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="87"/>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="90"/>
        <source>Trusted publishers</source>
        <translation>受信任的发布者</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="105"/>
        <source>Automatic (VLC if installed)</source>
        <translation>自动（已安装 VLC 时用 VLC）</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="106"/>
        <source>VLC</source>
        <translation>VLC</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="107"/>
        <source>Qt&apos;s own player</source>
        <translation>Qt 自带播放器</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="114"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="116"/>
        <source>Player</source>
        <translation>播放器</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="130"/>
        <source>Share packages on the school&apos;s LAN</source>
        <translation>在校内局域网共享资源包</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="143"/>
        <source>e.g. 192.168.1.20, several separated by commas</source>
        <translation>例如 192.168.1.20，多个地址用逗号分开</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="146"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="155"/>
        <source>Detect automatically</source>
        <translation>自动检测</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="156"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="157"/>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="161"/>
        <source>Other sharing PCs</source>
        <translation>其他共享电脑的地址</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="165"/>
        <source>Metered network (such as a phone hotspot)</source>
        <translation>按流量计费的网络（如手机热点）</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="168"/>
        <source>LAN sharing and network</source>
        <translation>局域网共享与网络</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="187"/>
        <source>Saved. It takes effect when Kebao is opened again.</source>
        <translation>已保存，重新打开课包后生效。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="206"/>
        <source>Sharing. Address of this PC for the others: {0}</source>
        <translation>正在共享。本机共享地址：{0}</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="209"/>
        <source>Starting to share…</source>
        <translation>正在启动共享…</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="214"/>
        <source>Not sharing. Other PCs download from the county hub or their own drives.</source>
        <translation>未共享：其他电脑从县同步中心或U盘获取资源包。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="229"/>
        <source>Saved. Packages are fetched from these PCs before the hub.</source>
        <translation>已保存。同步时先从这些电脑下载资源包，再找同步中心。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="231"/>
        <source>Saved. Only PCs found on the LAN are asked.</source>
        <translation>已保存。只使用在局域网中自动找到的共享电脑。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="256"/>
        <source>Publisher key</source>
        <translation>发布者公钥</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="256"/>
        <source>Publisher keys (*.pub)</source>
        <translation>发布者公钥 (*.pub)</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="272"/>
        <source>Now trusting {0}.</source>
        <translation>已信任“{0}”。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="272"/>
        <source>{0} was already trusted.</source>
        <translation>“{0}”早已受信任。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="289"/>
        <source>Stop trusting {0}? Its packages stay installed, but new ones from it will be refused.</source>
        <translation>不再信任“{0}”？已安装的资源包会保留，但以后不再接受它发布的新资源包。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="296"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="313"/>
        <source>No longer trusting {0}.</source>
        <translation>已不再信任“{0}”。</translation>
    </message>
    <message>
        <location filename="../gui/settings_page.py" line="319"/>
        <source>{packages} packages, {used} used, {free} free</source>
        <translation>{packages} 个资源包，已用 {used}，剩余 {free}</translation>
    </message>
</context>
<context>
    <name>ShareProcess</name>
    <message>
        <location filename="../lan_share.py" line="167"/>
        <source>The sharing program could not start.</source>
        <translation>无法启动共享程序。</translation>
    </message>
    <message>
        <location filename="../lan_share.py" line="173"/>
        <source>Sharing stopped unexpectedly.</source>
        <translation>共享意外停止了。</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <location filename="../gui/sync_page.py" line="81"/>
        <source>e.g. hub.example.cn:8470</source>
        <translation>例如 hub.example.cn:8470</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="84"/>
        <source>e.g. 7K4Q-M2XD-9HPA</source>
        <translation>例如 7K4Q-M2XD-9HPA</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="85"/>
        <source>Enrol this PC</source>
        <translation>登记本机</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="90"/>
        <source>Hub address</source>
        <translation>同步中心地址</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="91"/>
        <source>Enrolment code</source>
        <translation>学校登记码</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="94"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="97"/>
        <location filename="../gui/sync_page.py" line="200"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="100"/>
        <source>Sync through the USB drive</source>
        <translation>经U盘同步</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="109"/>
        <source>A live class is on (pause downloads and uploads)</source>
        <translation>直播课进行中（暂停下载和上传）</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="113"/>
        <source>Only learning records sync meanwhile. Turns itself off after {0} hours.</source>
        <translation>期间只同步学习记录；{0} 小时后自动关闭。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="157"/>
        <source>Enrolled with {0} as part of {1}.</source>
        <translation>已登记到同步中心 {0}，学校：{1}。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="164"/>
        <source>This PC is not enrolled with the county hub yet. Progress is kept here; it can also reach the county on a USB drive.</source>
        <translation>本机还没有登记到县同步中心。学习记录都保存在本机，也可以经U盘带到县里。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="170"/>
        <source>Last successful sync: {0}. Records waiting to be sent: {1}. Files waiting to be uploaded: {2}.</source>
        <translation>上次同步成功：{0}。等待发送的记录：{1} 条。等待上传的文件：{2} 个。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="179"/>
        <source>Sync is paused. Press Resume to go on.</source>
        <translation>同步已暂停。按“继续”接着同步。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="192"/>
        <source>The hub no longer knows this PC (it was removed there, or the hub was reset): enrol it again below; until then it does not sync.</source>
        <translation>同步中心已不再认识本机（本机在那里被注销了，或同步中心的数据被重置了）：请在下面重新登记本机，在此之前本机不会同步。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="245"/>
        <source>Type the hub address and the school&apos;s enrolment code.</source>
        <translation>请填写同步中心地址和学校登记码。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="251"/>
        <source>Enrolled with {0}.</source>
        <translation>已登记到 {0}。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="253"/>
        <source>Enrolling…</source>
        <translation>正在登记…</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="181"/>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="184"/>
        <source>The last sync moved {0}.</source>
        <translation>上次同步共传输 {0}。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="196"/>
        <source>{0} Trying again at {1}.</source>
        <translation>{0}。将在 {1} 再试。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="200"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="270"/>
        <source>Insert the USB drive first.</source>
        <translation>请先插入U盘。</translation>
    </message>
    <message>
        <location filename="../gui/sync_page.py" line="278"/>
        <source>Syncing through {0}…</source>
        <translation>正在经 {0} 同步…</translation>
    </message>
</context>
<context>
    <name>TeacherPinDialog</name>
    <message>
        <location filename="../gui/learners_page.py" line="393"/>
        <source>Set the teacher PIN</source>
        <translation>设置教师密码</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="396"/>
        <source>Teacher mode will ask for this PIN. Write it down somewhere safe: students must not know it.</source>
        <translation>进入教师模式时需要输入这个密码。请记在安全的地方，不要让学生知道。</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="408"/>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="411"/>
        <source>Teacher&apos;s name</source>
        <translation>教师姓名</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="412"/>
        <source>PIN (4–8 digits)</source>
        <translation>密码（4–8 位数字）</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="413"/>
        <source>PIN again</source>
        <translation>再输一次密码</translation>
    </message>
    <message>
        <location filename="../gui/learners_page.py" line="427"/>
        <source>The two PINs are not the same.</source>
        <translation>两次输入的密码不一样。</translation>
    </message>
</context>
<context>
    <name>Texts</name>
    <message>
        <location filename="../texts.py" line="13"/>
        <source>Lesson video</source>
        <translation>课程视频</translation>
    </message>
    <message>
        <location filename="../texts.py" line="14"/>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <location filename="../texts.py" line="15"/>
        <source>Courseware</source>
        <translation>课件</translation>
    </message>
    <message>
        <location filename="../texts.py" line="16"/>
        <source>Teaching design</source>
        <translation>教学设计</translation>
    </message>
    <message>
        <location filename="../texts.py" line="17"/>
        <source>Worksheet</source>
        <translation>学习任务单</translation>
    </message>
    <message>
        <location filename="../texts.py" line="18"/>
        <source>Exercises</source>
        <translation>课后练习</translation>
    </message>
    <message>
        <location filename="../texts.py" line="19"/>
        <source>Document</source>
        <translation>资料</translation>
    </message>
    <message>
        <location filename="../texts.py" line="20"/>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <location filename="../texts.py" line="27"/>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <location filename="../texts.py" line="28"/>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <location filename="../texts.py" line="29"/>
        <source>Damaged, import again</source>
        <translation>已损坏，请重新导入</translation>
    </message>
    <message>
        <location filename="../texts.py" line="38"/>
        <source>{0} s</source>
        <translation>{0} 秒</translation>
    </message>
    <message>
        <location filename="../texts.py" line="40"/>
        <source>{0} min {1} s</source>
        <translation>{0} 分 {1} 秒</translation>
    </message>
    <message>
        <location filename="../texts.py" line="41"/>
        <source>{0} h {1} min</source>
        <translation>{0} 小时 {1} 分</translation>
    </message>
    <message>
        <location filename="../texts.py" line="51"/>
        <source>{done} of {total}</source>
        <translation>已完成 {done} / {total}</translation>
    </message>
    <message>
        <location filename="../texts.py" line="54"/>
        <source>{done} of {total}, {rate}/s, about {left} left</source>
        <translation>已完成 {done} / {total}，{rate}/秒，大约还需 {left}</translation>
    </message>
</context>
</TS>

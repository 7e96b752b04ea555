"""The Qt application: one window, one page per task (资源库, 播放器, 设置, …)."""

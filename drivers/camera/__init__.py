"""Cameras: OpenCV capture by index, V4L2 path, RTSP/HTTP URL, video file or image sequence."""

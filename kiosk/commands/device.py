"""`kiosk device CLASS ACTION --url URL`: one device, by the same URL the config uses."""

from kiosk.commands.lazy import lazy_group


@lazy_group({
    "idcard": ("kiosk.commands.device_idcard", "idcard", "ID card readers: GA 467 serial, PC/SC chip documents."),
    "fingerprint": ("kiosk.commands.device_fingerprint", "fingerprint", "Fingerprint module (AS608/R30x)."),
    "scanner": ("kiosk.commands.device_scanner", "scanner", "Barcode/QR scanner (serial: USB-CDC, RS-232)."),
    "dispenser": ("kiosk.commands.device_dispenser", "dispenser", "Card dispenser (CRT-591 style, serial)."),
    "camera": ("kiosk.commands.device_camera", "camera", "Camera (OpenCV: index, V4L2, RTSP, file)."),
    "printer": ("kiosk.commands.device_printer", "printer", "Receipt printer (ESC/POS)."),
    "docprinter": ("kiosk.commands.device_docprinter", "docprinter", "A4 document printer (CUPS, PDF folder)."),
})
def device():
    """Talk to one device by URL; JSON on stdout, one line on stderr on failure."""

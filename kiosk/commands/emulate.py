"""`kiosk emulate CLASS …`: a device emulator on its real transport, with a control port."""

from kiosk.commands.lazy import lazy_group


@lazy_group({
    "idcard": ("kiosk.commands.emulate_idcard", "idcard", "GA 467 ID card reader on a pty or TCP."),
    "pcsc": ("kiosk.commands.emulate_pcsc", "pcsc", "A chip document (eMRTD) in pcscd's virtual reader."),
    "fingerprint": ("kiosk.commands.emulate_fingerprint", "fingerprint", "AS608 fingerprint module on a pty."),
    "scanner": ("kiosk.commands.emulate_scanner", "scanner", "Barcode/QR scanner (presentation mode) on a pty."),
    "dispenser": ("kiosk.commands.emulate_dispenser", "dispenser", "CRT-591-style card dispenser on a pty."),
    "camera": ("kiosk.commands.emulate_camera", "camera", "A camera streaming bundled face images."),
    "printer": ("kiosk.commands.emulate_printer", "printer", "ESC/POS network printer on TCP."),
    "payment-provider": ("kiosk.commands.emulate_payment", "payment_provider",
                         "QR payment provider simulator (HTTP) with faults."),
    "control": ("kiosk.commands.emulate_control", "control", "Send one control command to an emulator."),
})
def emulate():
    """Run a device emulator (pty serial, TCP) that speaks the real protocol."""

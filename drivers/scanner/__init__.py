"""Barcode and QR code scanners in serial mode (USB-CDC, RS-232)."""

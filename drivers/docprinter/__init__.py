"""Document printers: A4 PDFs (certificates) through CUPS (`cups://`, `ipp://`) or into a
folder (`pdf+file://`). The class interface is in base.py."""

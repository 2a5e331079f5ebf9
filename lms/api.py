"""The public surface of `lms` for other apps. Other apps import only this module."""

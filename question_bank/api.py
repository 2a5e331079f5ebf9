"""The public surface of `question_bank` for other apps. Other apps import only this module."""

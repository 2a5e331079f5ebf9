"""The public surface of `sector` for other apps. Other apps import only this module.

The seam with the grade book (lms): when a grade book (class, subject, semester) is approved
and locked, lms calls, INSIDE its locking transaction,

    sector.api.enqueue_transcript(class_id, subject_id, semester, payload, actor)

with payload = {"entries": [...], "principal_id": optional user id}, one entry per student:
  secondary, scored subject:   {"student_id", "regular": [7.5, ...], "midterm", "endterm",
                                "semester1Average" (semester 2 only)}
  secondary, comment-only:     {"student_id", "regular": ["Đạt", ...], "midterm": "Đạt",
                                "endterm": "Chưa đạt"}
  primary (Circular 27):       {"student_id", "level": "T"|"H"|"C", "score": int (tested
                                subjects only), "comment": optional}
It validates (ValidationError, nothing stored), computes the Circular 22/27 content, signs it
for the homeroom teacher and the principal, and writes the outbox row in the same transaction;
delivery starts on commit.
"""

from .outbox import enqueue_transcript
from .transcript import learning_result_level

__all__ = ["enqueue_transcript", "learning_result_level"]

"""Write items out: QTI 2.1 / 3.0 packages, Moodle XML, Word in the Vietnamese format."""

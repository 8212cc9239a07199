"""What every Jobelix app shares: the one error type, the wire time format, API helpers."""

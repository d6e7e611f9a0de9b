"""The compliance engine: jurisdiction profiles (data), small named rules, the engine."""

"""Typed, frozen gateway settings validated at load (settings.py); the demo profile is gateway.yaml."""

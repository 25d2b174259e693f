"""Test servers: HTTP stand-ins started by the tests on 127.0.0.1."""

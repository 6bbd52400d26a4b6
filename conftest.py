"""Root pytest configuration.

nameko's pytest plugin no longer monkey-patches (since 2.13): patch eventlet here, before
anything imports socket-using modules, so in-process nameko containers work in tests.
"""
import eventlet

eventlet.monkey_patch()

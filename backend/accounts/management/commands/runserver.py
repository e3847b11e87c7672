"""Django's runserver, plus TCP_NODELAY on accepted connections when
AUTH_TCP_NODELAY=1.

The dev server writes a response's headers and body in separate small sends;
with Nagle's algorithm on, the second send waits for the client's delayed ACK
(~40 ms on Linux) on keep-alive connections, which swamps latency benchmarks.
"""
import socket

from django.conf import settings
from django.core.management.commands.runserver import Command as RunserverCommand
from django.core.servers.basehttp import WSGIServer


class NoDelayWSGIServer(WSGIServer):
    def get_request(self):
        conn, addr = super().get_request()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn, addr


class Command(RunserverCommand):
    @property
    def server_cls(self):
        # runserver passes this to basehttp.run(), which mixes in threading.
        return NoDelayWSGIServer if settings.AUTH_TCP_NODELAY else WSGIServer

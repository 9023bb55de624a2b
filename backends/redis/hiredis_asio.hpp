// The thin attachment of a hiredis async context to an Asio io_context:
// hiredis asks for read and write readiness through its addRead/delRead/
// addWrite/delWrite hooks, and this file answers with async_wait on one
// asio::posix::stream_descriptor over the context's socket.
//
// Writes are driven by writability only: a command queued with
// redisAsyncCommand is appended to hiredis' output buffer and merely arms a
// write wait, so every command issued in one loop turn leaves in one write()
// on a later turn. That is how PUBLISH gets pipelined.
//
// hiredis owns the socket and closes it itself; the attachment only borrows
// it and releases (never closes) it when hiredis calls cleanup. Handlers
// still queued on the loop after cleanup find the attachment detached and do
// nothing, so a context can be freed at any point, even from its callbacks.
#pragma once

struct redisAsyncContext;

namespace asio {
class io_context;
}

namespace signalmesh::backends::redis {

// Attaches `ac` (fresh from redisAsyncConnect, without error, not yet
// attached) to `loop`. Call it before redisAsyncSetConnectCallback, which
// arms the first write wait. Returns false if hiredis refused the hooks.
// Loop thread only; the context is then driven by that loop until hiredis
// frees it (redisAsyncFree, or on its own after an error).
bool attach_to_asio(redisAsyncContext* ac, asio::io_context& loop);

}  // namespace signalmesh::backends::redis

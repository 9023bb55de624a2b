// The Asio headers this store uses, behind one standard header. Asio
// (1.18) decides between aligned_alloc/free and operator new/delete for its
// handler memory from libstdc++'s macros, which are only defined once some
// standard header came first: a translation unit that includes Asio first
// allocates with one and another frees with the other (ASan:
// alloc-dealloc-mismatch). Every file of this store includes Asio through
// here so that they all agree with the tests, which include <gtest> first.
#pragma once

// clang-format off
#include <cstddef>
// clang-format on

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

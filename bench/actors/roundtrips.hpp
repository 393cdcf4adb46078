#pragma once
// Push/pull round trips: a params message carrying n floats one way, a push carrying them back.
//
//   actors/roundtrip_inproc/N/S   two CAF actors in one process. The pinger copies its θ into
//                                 each params message (what a master does when it sends θ);
//                                 the echo moves the payload into its push reply.
//   actors/roundtrip_*/1K/S_traced  the same, both actors recording every send and receive
//                                 in a trace file (4 records per round trip)
//   actors/roundtrip_remote/N/S   the echo actor in a child process, over CAF's BASP on
//                                 127.0.0.1 (payload = one raw block, actors/wire.hpp)
//   actors/roundtrip_hybrid/N/S   the same two processes, payloads as `sgmc node` carries them:
//                                 from 64 KiB up (100K and 1M floats) over sgmc's data channel
//                                 (actors/data_channel.hpp, ZeroMQ PUSH/PULL with a receiver
//                                 thread), CAF carrying a small control message per direction;
//                                 smaller ones (1K) inside the CAF message as in _remote
//   actors/roundtrip_hybrid/N/S_curve  the same with the data channel's CURVE on, as
//                                 `sgmc node` runs it with cluster.tls = true (both channels
//                                 CURVE servers admitting each other's key; CAF's control
//                                 messages stay plain here, without TLS)
//   zmq/roundtrip_reqrep/N/tcp    raw ZeroMQ REQ/REP over tcp://127.0.0.1: the client copies
//                                 θ into each request and the reply out into a float vector,
//                                 the server echoes the message without copying
//   zmq/roundtrip_reqrep/N/tcp_curve  the same with CURVE (the server a CURVE server, no ZAP
//                                 handler), the reference of the _curve cases
//
// S is the CAF setting of both ends: `default` (CAF's defaults: a scheduler thread per core,
// middleman workers), `1thread` (scheduler.max-threads=1, middleman.workers=0). N is the
// payload length in floats (1K = 1024). Counters: items = round trips, bytes = payload bytes
// in both directions (2 × 4 × N per round trip).
#include <benchmark/benchmark.h>

#include <cstddef>
#include <string>

namespace sgmc::bench {

enum class caf_settings { defaults, one_thread, sharing, sharing_one_thread };
inline constexpr caf_settings kAllSettings[] = {caf_settings::defaults, caf_settings::one_thread,
                                                caf_settings::sharing,
                                                caf_settings::sharing_one_thread};
const char* to_string(caf_settings s);

void caf_inproc(benchmark::State& state, std::size_t n, caf_settings s, bool traced);
void caf_remote(benchmark::State& state, std::size_t n, caf_settings s, bool traced);
void caf_hybrid(benchmark::State& state, std::size_t n, caf_settings s, bool curve);
void zmq_reqrep(benchmark::State& state, std::size_t n, bool curve);

/// actors/trace_record/{1,2}thread: trace_now_ns() + trace_lane::record(), per record.
void trace_record(benchmark::State& state);

/// Child-process servers (the binary run with --serve=...); print one ready line, serve until
/// stdin closes, return the exit code.
int serve_caf(caf_settings s, bool traced);
int serve_hybrid(caf_settings s, bool curve);
int serve_zmq(bool curve);

/// End the child servers and the clients kept between benchmark runs.
void release_caf_fixtures();
void release_zmq_fixtures();

/// Marks the benchmark as failed (SkipWithError); the binary then exits with status 1, so that
/// the smoke test fails too.
void fail(benchmark::State& state, const std::string& why);
bool any_failed();

/// Round trips per timed batch: enough that a batch takes about a millisecond or more.
inline std::size_t batch_for(std::size_t n) { return n >= 262144 ? 1 : 262144 / n; }

}  // namespace sgmc::bench

// Process-wide signal setup for live role processes.
#pragma once

namespace mtc::net {

// Sets SIGPIPE to SIG_IGN for the whole process. The transports never need it (every socket
// write uses MSG_NOSIGNAL and TLS goes through memory BIOs), but a process that also writes to
// pipes (stdout into a closed reader) should call it once at start-up, before any thread.
void ignore_sigpipe();

}  // namespace mtc::net

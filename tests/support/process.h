#pragma once
// A child process for tests that run the real `idbridge` binary: started with
// its own environment, output to a log file, stopped by signal.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace idb::test {

class Process {
 public:
  // Starts argv[0] with `env` added to this process's environment; stdout and
  // stderr go (appended) to `log`. Throws std::runtime_error when it cannot start.
  Process(std::vector<std::string> argv, std::map<std::string, std::string> env, std::filesystem::path log);
  ~Process();  // SIGKILL if still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Sends `signal` and returns at once (e.g. SIGHUP); false when it has exited.
  bool signal(int signal);
  // Sends `signal`, waits (bounded), returns the exit status (128+N when killed by signal N).
  int stop(int signal);
  // Waits for the process to exit by itself (killing it after 60 s); returns its exit status.
  int wait();
  bool running();
  // Peak resident memory of the process once it has exited (kB), for benchmarks.
  long max_rss_kb() const { return max_rss_kb_; }
  // User plus system CPU time of the process once it has exited (s): what a
  // benchmark on a shared machine can still compare.
  double cpu_seconds() const { return cpu_seconds_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  long max_rss_kb_ = 0;
  double cpu_seconds_ = 0;
};

std::string read_file(const std::filesystem::path& path);

// Polls `done` every 50 ms until it holds, for at most 15 s. The deadline makes
// a broken daemon fail a test instead of hanging it; it is not a speed
// assertion (bench/ measures speed).
bool eventually(const std::function<bool()>& done);

// A port on 127.0.0.1 that was free a moment ago.
int free_port();

}  // namespace idb::test

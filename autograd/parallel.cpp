#include "autograd/parallel.h"

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "autograd/error.h"

namespace knob {

namespace {

int threads_from_environment() {
  if (const char* text = std::getenv("KNOB_THREADS"); text != nullptr && *text != '\0') {
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (*end != '\0' || value < 1 || value > 256) {
      throw ValueError(fmt::format("KNOB_THREADS={}: expected a whole number from 1 to 256", text));
    }
    return static_cast<int>(value);
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

thread_local bool inside_parallel_region = false;

// Workers wait for a job (a function over [begin, end) plus one range per worker), run their
// range, and report back. The calling thread runs range 0 itself.
class Pool {
 public:
  explicit Pool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this, i] { work(i + 1); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  int size() const { return static_cast<int>(threads_.size()) + 1; }

  void run(std::int64_t n, const RangeFn& fn, int parts) {
    {
      std::lock_guard lock(mutex_);
      job_ = &fn;
      n_ = n;
      parts_ = parts;
      pending_ = parts - 1;
      error_ = nullptr;
      ++generation_;
    }
    wake_.notify_all();
    std::exception_ptr mine;
    try {
      run_part(0);
    } catch (...) {
      mine = std::current_exception();
    }
    std::unique_lock lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
    job_ = nullptr;
    if (mine) std::rethrow_exception(mine);
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_part(int part) {
    const std::int64_t begin = n_ * part / parts_;
    const std::int64_t end = n_ * (part + 1) / parts_;
    if (begin < end) (*job_)(begin, end);
  }

  void work(int part) {
    inside_parallel_region = true;  // a job's own parallel_for calls run inline
    std::uint64_t seen = 0;
    for (;;) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
      if (part >= parts_) continue;
      lock.unlock();
      std::exception_ptr error;
      try {
        run_part(part);
      } catch (...) {
        error = std::current_exception();
      }
      lock.lock();
      if (error && !error_) error_ = error;
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const RangeFn* job_ = nullptr;
  std::int64_t n_ = 0;
  int parts_ = 1;
  int pending_ = 0;
  std::uint64_t generation_ = 0;
  std::exception_ptr error_;
  bool stopping_ = false;
};

std::mutex config_mutex;
int configured_threads = 0;  // 0: not decided yet
std::unique_ptr<Pool> pool;

}  // namespace

int num_threads() {
  std::lock_guard lock(config_mutex);
  if (configured_threads == 0) configured_threads = threads_from_environment();
  return configured_threads;
}

void set_num_threads(int threads) {
  if (threads < 1) throw ValueError(fmt::format("set_num_threads: {} is not >= 1", threads));
  std::lock_guard lock(config_mutex);
  configured_threads = threads;
  pool.reset();
}

void parallel_for(std::int64_t n, double work, RangeFn fn, double min_work) {
  const int threads = num_threads();
  if (threads == 1 || n < 2 || work < min_work || inside_parallel_region) {
    fn(0, n);
    return;
  }
  std::unique_lock lock(config_mutex);  // one parallel job at a time across the process
  if (!pool || pool->size() != threads) pool = std::make_unique<Pool>(threads - 1);
  inside_parallel_region = true;
  try {
    pool->run(n, fn, static_cast<int>(std::min<std::int64_t>(threads, n)));
  } catch (...) {
    inside_parallel_region = false;
    throw;
  }
  inside_parallel_region = false;
}

}  // namespace knob

"""bpfy.Reader: poll a BPF object's event buffers in a background thread
(for notebooks and GUIs). Callbacks run in that thread, holding the GIL as
every Python callback does; an exception raised by one stops the thread and
is raised again from stop() (or the `with` block's exit)."""
import threading


class Reader:
    """Reader(bpf, timeout_ms=100): calls bpf.poll(timeout_ms) in a loop in
    a daemon thread between start() and stop(). Do not poll the same object
    from another thread meanwhile."""

    def __init__(self, bpf, timeout_ms=100):
        self.bpf = bpf
        self.timeout_ms = int(timeout_ms)
        self.error = None
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        if self._thread is not None:
            raise RuntimeError("Reader already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="bpfy-reader", daemon=True)
        self._thread.start()
        return self

    def _run(self):
        try:
            while not self._stop.is_set() and not self.bpf.closed:
                self.bpf.poll(self.timeout_ms)
        except BaseException as exc:  # re-raised by stop()
            self.error = exc

    @property
    def running(self):
        return self._thread is not None and self._thread.is_alive()

    def stop(self):
        """Stop polling (within timeout_ms) and raise a callback's exception."""
        thread, self._thread = self._thread, None
        self._stop.set()
        if thread is not None:
            thread.join()
        error, self.error = self.error, None
        if error is not None:
            raise error

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

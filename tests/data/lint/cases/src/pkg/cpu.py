"""CPU-bound targets (fixture; never imported)."""

import hashlib
import multiprocessing as mp


def crunch(n: int) -> int:
    return sum(i * i for i in range(n))


def make_scaler(factor: int):
    def scale(x: int) -> int:
        return x * factor

    return scale


scaled = make_scaler(3)  # expect: CA411


def outer() -> None:
    def inner(x: int) -> int:  # expect: CA411
        return x

    print(inner(1))


class Model:
    def predict(self, x: int) -> int:
        return x


def hash_blocks(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


ctx_pool = mp.get_context("spawn").Pool(2)  # expect: CA415


def later() -> None:
    with mp.Pool(2) as pool:  # inside a function: fine
        pool.map(crunch, [1, 2])


def setup_worker() -> None:
    pass


def pools_with_initializers() -> None:
    from concurrent.futures import ProcessPoolExecutor

    def local_setup() -> None:
        pass

    ProcessPoolExecutor(2, initializer=lambda: None)  # expect: CA421
    ProcessPoolExecutor(2, initializer=local_setup)  # expect: CA421
    ProcessPoolExecutor(2, initializer=setup_worker)  # module-level def: silent twin
    mp.Pool(2, initializer=setup_worker)  # silent twin

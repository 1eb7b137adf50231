import keras


def pytest_report_header(config):
    # tests/test_backends.py reads this line to know which backend ran.
    return f"keras backend: {keras.backend.backend()}"

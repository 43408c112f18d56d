"""aigov-app's command line: version, and one-line errors before anything is served."""

import socket

import pytest

from sim.app import cli


def test_version(capsys):
    from sim.logs import package_version

    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code in (0, None)
    assert capsys.readouterr().out.strip() == f"aigov-app {package_version()}"


@pytest.mark.parametrize("argv, fragment", [
    (["--port", "0"], "--port=0: must be an integer in [1, 65535]"),
    (["--port", "70000"], "--port=70000"),
    (["--jobs", "0"], "--jobs=0"),
    (["--port", "x"], "invalid int value"),
])
def test_bad_input_is_one_line(argv, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and fragment in err and err.count("\n") == 1


def test_a_port_in_use_is_refused(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(SystemExit):
            cli.main(["--host", "127.0.0.1", "--port", str(port)])
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err

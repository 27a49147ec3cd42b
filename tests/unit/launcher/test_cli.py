import pytest

from launcher.cli import build_parser, main, resolve


@pytest.mark.parametrize(
    "argv",
    [
        ["stack", "up"],
        ["crawl", "--source", "demo-gov-zh"],
        ["process", "--until-idle"],
        ["index", "--until-idle"],
        ["search", "subsidy", "--json"],
        ["demo"],
        ["demo-site"],
        ["alerts", "add", "x", "--min-amount", "1e7"],
        ["alerts", "list", "--json"],
        ["digest", "x", "--preview"],
        ["scheduler"],
        ["serve"],
        ["run"],
        ["indices", "list"],
        ["reprocess"],
        ["sources", "list"],
        ["sources", "preview", "demo-gov-en"],
        ["sources", "check", "--live"],
        ["sources", "health"],
        ["sources", "add", "https://example.gov.cn/"],
        ["extract", "a.txt"],
        ["eval"],
    ],
)
def test_every_subcommand_resolves_to_a_callable_handler(argv):
    args = build_parser().parse_args(argv)
    assert callable(resolve(args.handler))


def test_unknown_subcommand_exits_with_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_policyradar_errors_become_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "sources"
    bad.mkdir()
    (bad / "broken.yaml").write_text("id: x\n")
    assert main(["crawl", "--sources-dir", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "Traceback" not in err

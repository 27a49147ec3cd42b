import pytest

from policyradar.urlsafety import UnsafeUrlError, check_url


def public(host, port):
    return ["93.184.216.34"]


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://x.cn/",
        "ftp://x.cn/a",
        "http://localhost/",
        "http://127.0.0.1/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://172.16.0.1/",
        "http://192.168.0.1/",
        "http://169.254.169.254/",
        "http://metadata.google.internal/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://user:pw@x.cn/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http:///nohost",
    ],
)
def test_internal_or_odd_urls_are_refused(url):
    with pytest.raises(UnsafeUrlError):
        check_url(url, resolve=public)


def test_a_public_name_that_resolves_inside_is_refused():
    with pytest.raises(UnsafeUrlError, match=r"resolves to 10\.0\.0\.5"):
        check_url("https://intranet.example.com/", resolve=lambda host, port: ["93.184.216.34", "10.0.0.5"])


def test_public_urls_and_the_allow_list_pass():
    assert check_url("https://www.miit.gov.cn/a.html", resolve=public)
    assert check_url("http://127.0.0.1:8765/x", allowed=["127.0.0.1:8765"], resolve=public)
    with pytest.raises(UnsafeUrlError):
        check_url("http://127.0.0.1:9200/", allowed=["127.0.0.1:8765"], resolve=public)

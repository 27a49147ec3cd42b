"""The facts of the news report the project started from, in our own words."""

from processors.extract_cli import extract_text

REPORT = (
    "Chinese cities race to back large language models\n\n"
    "Beijing plans to hand out more than 40 million yuan ($5.6 million) in subsidies to companies that "
    "train large language models, according to the Beijing Municipal Bureau of Economy and Information "
    "Technology. Shanghai, for its part, will reimburse a maximum 30 percent subsidy of what companies "
    "invest in computing power, or up to 5 million yuan each. Guangdong, Zhejiang, Shenzhen, Hangzhou, "
    "Nanjing, Suzhou and Chengdu have announced support of their own. Baidu, Huawei, 360, Alibaba, Xiaomi, "
    "CloudWalk, SenseTime, iFlytek and Tencent have all released models; Huawei calls its model Pangu. "
    "The Ministry of Industry and Information Technology has asked the China Electronics Standardization "
    "Institute and the Chinese Academy of Sciences to draft AI standards."
)


def test_worked_example_holds():
    found = extract_text(REPORT, "en")
    money = [(m["value"], m["currency"], m["is_subsidy"], m["qualifier"]) for m in found["money"]]
    assert (40_000_000, "CNY", True, "min") in money and (5_600_000, "USD", True, "min") in money
    assert (5_000_000, "CNY", True, "max") in money
    assert [p["value"] for p in found["percent"]] == [30]
    places = {p["canonical"] for p in found["places"]}
    assert {
        "Beijing",
        "Shanghai",
        "Guangdong",
        "Zhejiang",
        "Shenzhen",
        "Hangzhou",
        "Nanjing",
        "Suzhou",
        "Chengdu",
    } <= places
    assert not {p["text"] for p in found["places"]} & {"AI", "Pangu"}
    companies = {c["canonical"] for c in found["companies"]}
    assert companies == {
        "Baidu",
        "Huawei",
        "360",
        "Alibaba",
        "Xiaomi",
        "CloudWalk",
        "SenseTime",
        "iFlytek",
        "Tencent",
    }
    organizations = {o["text"].removeprefix("the ").removeprefix("The ") for o in found["organizations"]}
    assert "Ministry of Industry and Information Technology" in organizations
    assert not any(
        name in " ".join(c["text"] for c in found["companies"])
        for name in ("Ministry", "Institute", "Academy", "Bureau")
    )

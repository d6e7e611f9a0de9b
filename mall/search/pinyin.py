"""Pinyin for search: what a document indexes and how a typed query is read as pinyin.

Purchasers often type pinyin without tones or spaces ("bijiben" for 笔记本, "lianxiang" for
联想). Documents carry the pinyin of their Chinese names three ways: syllables with spaces
("bi ji ben", so a phrase finds a word inside a longer one), each run of Han characters
joined ("bijiben", so a whole word typed as one matches it, and its prefix "biji" too), and
the runs' initials ("bjb"). A query word is taken as pinyin only if it splits wholly into
syllables; the splits are tried as phrases against the spaced syllables.

Pure functions over ``pypinyin`` (its own dictionary; nothing is fetched).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

# Toneless syllables (ü as "v", as pypinyin writes them). The interjections "m", "n", "ng",
# "hm", "hng" are left out: a lone consonant would make almost any word "pinyin".
_SYLLABLE_LIST = """
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu
ca cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou
chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang
dao de dei den deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en
eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou
gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hong hou hu hua huai
huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai
kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao
le lei len leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun luo lv lve
ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu na nai nan nang
nao ne nei nen neng ni nia nian niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve
o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang
qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan
rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng shi
shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan
tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei
wen weng wo wong wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan
yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha
zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui
zhun zhuo zi zong zou zu zuan zui zun zuo
"""
SYLLABLES: frozenset[str] = frozenset(_SYLLABLE_LIST.split())
_LONGEST = max(map(len, SYLLABLES))
_HAN_RUN = re.compile(r"[\u3400-\u9fff]+")
_LETTERS = re.compile(r"^[a-z]+$")
# Initials as typed: consonants only ("bjb", "lx"), two to eight of them.
_INITIALS = re.compile(r"^[bcdfghjklmnpqrstwxyz]{2,8}$")
MIN_PINYIN_LETTERS = 4
MAX_SPLITS = 3


def _syllables(text: str) -> list[str]:
    return [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, v_to_u=False)]


def spaced(text: str | None) -> str:
    """The text with every Han character as its syllable: "联想 E14" -> "lian xiang e14"."""
    if not text:
        return ""
    out = _HAN_RUN.sub(lambda m: " " + " ".join(_syllables(m.group())) + " ", text)
    return " ".join(out.lower().split())


def han_runs(*texts: str | None) -> list[str]:
    """The runs of Han characters in the texts, in order, without repeats."""
    runs: list[str] = []
    for text in texts:
        for run in _HAN_RUN.findall(text or ""):
            if run not in runs:
                runs.append(run)
    return runs


def joined(*texts: str | None) -> list[str]:
    """Each Han run's syllables joined: "联想 笔记本电脑" -> ["lianxiang", "bijibendiannao"]."""
    return _unique("".join(_syllables(run)) for run in han_runs(*texts))


def initials(*texts: str | None) -> list[str]:
    """Each Han run's initials: "联想 笔记本电脑" -> ["lx", "bjbdn"]."""
    return _unique("".join(s[0] for s in _syllables(run) if s) for run in han_runs(*texts))


def _unique(values: Iterable[str]) -> list[str]:
    out: list[str] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


@lru_cache(maxsize=1024)
def splits(word: str) -> tuple[str, ...]:
    """Ways ``word`` reads as toneless syllables, fewest syllables first, at most
    ``MAX_SPLITS``: "bijiben" -> ("bi ji ben",); "xian" -> ("xian", "xi an"). Empty when it
    is not pinyin ("laptop")."""
    word = word.lower()
    if not _LETTERS.match(word):
        return ()
    found: list[list[str]] = []

    def walk(start: int, taken: list[str]) -> None:
        if len(found) >= 32:  # enough to choose from; never explode on a long word
            return
        if start == len(word):
            found.append(list(taken))
            return
        for end in range(min(len(word), start + _LONGEST), start, -1):
            piece = word[start:end]
            if piece in SYLLABLES:
                taken.append(piece)
                walk(end, taken)
                taken.pop()

    walk(0, [])
    found.sort(key=len)
    return tuple(" ".join(f) for f in found[:MAX_SPLITS])


def is_pinyin(word: str) -> bool:
    """A word read as pinyin: letters only, long enough not to be a stray English word
    ("pen"), and splitting wholly into syllables ("laptop" does not)."""
    return len(word) >= MIN_PINYIN_LETTERS and bool(splits(word))


def is_initials(word: str) -> bool:
    """A word that can only be initials ("bjb", "lx"): consonants, nothing else."""
    return bool(_INITIALS.match(word.lower()))

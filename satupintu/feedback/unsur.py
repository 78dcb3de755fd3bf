"""The nine unsur (survey elements) of the SKM questionnaire, PermenPANRB 14/2017.

Texts are English msgids; the Indonesian catalog holds the regulation's own wording, and
`REGULATION_WORDING` keeps that wording here too so that a test can prove the catalog matches it
(reference/REGULATIONS.md, "Satisfaction survey")."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Unsur:
    code: str  # "u1" .. "u9": the key in the API's `answers`
    title: Promise
    question: Promise
    options: tuple[Promise, Promise, Promise, Promise]  # scores 1..4 (options a..d)


UNSUR: tuple[Unsur, ...] = (
    Unsur(
        "u1",
        _("Requirements"),
        _("How well do the service requirements fit the kind of service?"),
        (_("Not suitable"), _("Less suitable"), _("Suitable"), _("Very suitable")),
    ),
    Unsur(
        "u2",
        _("System, mechanism and procedure"),
        _("How easy is the service procedure at this unit?"),
        (_("Not easy"), _("Less easy"), _("Easy"), _("Very easy")),
    ),
    Unsur(
        "u3",
        _("Completion time"),
        _("How fast was the service delivered?"),
        (_("Not fast"), _("Less fast"), _("Fast"), _("Very fast")),
    ),
    Unsur(
        "u4",
        _("Cost/fee"),
        _("How reasonable is the cost or fee of the service?"),
        (_("Very expensive"), _("Fairly expensive"), _("Cheap"), _("Free of charge")),
    ),
    Unsur(
        "u5",
        _("Product specification of the service type"),
        _(
            "How well does the product you received match the product listed in the service "
            "standard?"
        ),
        (_("Not suitable"), _("Less suitable"), _("Suitable"), _("Very suitable")),
    ),
    Unsur(
        "u6",
        _("Staff competence"),
        _("How competent were the officers who served you?"),
        (_("Not competent"), _("Less competent"), _("Competent"), _("Very competent")),
    ),
    Unsur(
        "u7",
        _("Staff conduct"),
        _("How polite and friendly were the officers who served you?"),
        (
            _("Not polite and friendly"),
            _("Less polite and friendly"),
            _("Polite and friendly"),
            _("Very polite and friendly"),
        ),
    ),
    Unsur(
        "u8",
        _("Handling of complaints, suggestions and input"),
        _("How are complaints from service users handled?"),
        (
            _("There is none"),
            _("Exists but does not work"),
            _("Works, but not fully"),
            _("Well managed"),
        ),
    ),
    Unsur(
        "u9",
        _("Facilities and infrastructure"),
        _("How good are the facilities and infrastructure?"),
        (_("Poor"), _("Fair"), _("Good"), _("Very good")),
    ),
)

UNSUR_CODES: tuple[str, ...] = tuple(u.code for u in UNSUR)
UNSUR_BY_CODE: dict[str, Unsur] = {u.code: u for u in UNSUR}
OPTION_LETTERS = ("a", "b", "c", "d")

# The regulation's Indonesian wording: title, question, options a..d.
REGULATION_WORDING: dict[str, tuple[str, str, tuple[str, str, str, str]]] = {
    "u1": (
        "Persyaratan",
        "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
        "pelayanannya?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    "u2": (
        "Sistem, Mekanisme, dan Prosedur",
        "Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
        ("Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"),
    ),
    "u3": (
        "Waktu Penyelesaian",
        "Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
        ("Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"),
    ),
    "u4": (
        "Biaya/Tarif",
        "Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
        ("Sangat mahal", "Cukup mahal", "Murah", "Gratis"),
    ),
    "u5": (
        "Produk Spesifikasi Jenis Pelayanan",
        "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
        "dalam standar pelayanan dengan hasil yang diberikan?",
        ("Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"),
    ),
    "u6": (
        "Kompetensi Pelaksana",
        "Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
        ("Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"),
    ),
    "u7": (
        "Perilaku Pelaksana",
        "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
        "dan keramahan?",
        (
            "Tidak sopan dan ramah",
            "Kurang sopan dan ramah",
            "Sopan dan ramah",
            "Sangat sopan dan ramah",
        ),
    ),
    "u8": (
        "Penanganan Pengaduan, Saran dan Masukan",
        "Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
        (
            "Tidak ada",
            "Ada tetapi tidak berfungsi",
            "Berfungsi kurang maksimal",
            "Dikelola dengan baik",
        ),
    ),
    "u9": (
        "Sarana dan Prasarana",
        "Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
        ("Buruk", "Cukup", "Baik", "Sangat Baik"),
    ),
}

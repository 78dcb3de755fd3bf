"""The kecamatan (districts) and kelurahan (urban villages) of Kota Yogyakarta.

The city has 14 kecamatan and 45 kelurahan (Perda Kota Yogyakarta; BPS "Kota Yogyakarta Dalam
Angka"). Outreach visits only go to addresses inside the city, so the address form offers exactly
this list and the services refuse anything else."""

from __future__ import annotations

KOTA_YOGYAKARTA: dict[str, tuple[str, ...]] = {
    "Danurejan": ("Bausasran", "Suryatmajan", "Tegalpanggung"),
    "Gedongtengen": ("Pringgokusuman", "Sosromenduran"),
    "Gondokusuman": ("Baciro", "Demangan", "Klitren", "Kotabaru", "Terban"),
    "Gondomanan": ("Ngupasan", "Prawirodirjan"),
    "Jetis": ("Bumijo", "Cokrodiningratan", "Gowongan"),
    "Kotagede": ("Prenggan", "Purbayan", "Rejowinangun"),
    "Kraton": ("Kadipaten", "Panembahan", "Patehan"),
    "Mantrijeron": ("Gedongkiwo", "Mantrijeron", "Suryodiningratan"),
    "Mergangsan": ("Brontokusuman", "Keparakan", "Wirogunan"),
    "Ngampilan": ("Ngampilan", "Notoprajan"),
    "Pakualaman": ("Gunungketur", "Purwokinanti"),
    "Tegalrejo": ("Bener", "Karangwaru", "Kricak", "Tegalrejo"),
    "Umbulharjo": (
        "Giwangan",
        "Mujamuju",
        "Pandeyan",
        "Semaki",
        "Sorosutan",
        "Tahunan",
        "Warungboto",
    ),
    "Wirobrajan": ("Pakuncen", "Patangpuluhan", "Wirobrajan"),
}

KECAMATAN_CHOICES: list[tuple[str, str]] = [(k, k) for k in KOTA_YOGYAKARTA]
KELURAHAN_CHOICES: list[tuple[str, list[tuple[str, str]]]] = [
    (kecamatan, [(k, k) for k in kelurahan]) for kecamatan, kelurahan in KOTA_YOGYAKARTA.items()
]


def is_valid_area(kecamatan: str, kelurahan: str) -> bool:
    return kelurahan in KOTA_YOGYAKARTA.get(kecamatan, ())

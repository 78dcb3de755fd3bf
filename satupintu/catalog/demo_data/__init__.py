"""The demo mall: MPP Kota Yogyakarta, as plain data that `seed_demo` loads.

Facts come from /work/shared/reference/SERVICES.md (public pages, written here in our own
words). Anything that reference marks "unverified", or that we had to invent to make the demo
complete (MOU numbers, counter layout, private firms, some fees and durations), carries a
`# demo data` comment: it is plausible, not official.

The structures are dictionaries and tuples on purpose: the loader (`loader.py`) keys every row
on a natural key (slug, code, number, username) so that loading twice changes nothing.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

MALL_SLUG = "yogyakarta"
DEMO_PASSWORD = "satupintu-demo"

MALL: dict[str, Any] = {
    "name": "MPP Kota Yogyakarta",
    "timezone": "Asia/Jakarta",
    # Ground floor of the DPMPTSP building in the Balai Kota (city hall) complex, Timoho.
    "address": "Kompleks Balai Kota Yogyakarta, Gedung DPMPTSP, Jl. Kenari No. 56, "
    "Muja Muju, Umbulharjo, Kota Yogyakarta 55165",
    "city": "Kota Yogyakarta",
    "province": "Daerah Istimewa Yogyakarta",
    "phone": "0274-555241",  # demo data
    "email": "mpp@jogjakota.go.id",  # demo data
    "operator": "DPMPTSP Kota Yogyakarta",
    "opened_on": date(2021, 6, 1),  # soft launch June 2021 (day unverified: demo data)
    "is_active": True,
}

# Monday = 0. Opening hours are unverified; Monday to Friday 08:00-15:00 is the demo default.
OPENING_HOURS = [(weekday, time(8, 0), time(15, 0)) for weekday in range(5)]

CLOSURE_DAYS = [
    # demo data: a local closure beyond the national calendar, to show the feature.
    (date(2026, 12, 31), "Penutupan akhir tahun untuk perawatan gedung (data demo)"),
]

FLOORS = [
    # (number, name, status, opens_on)
    (1, "Lantai 1", "open", date(2021, 6, 1)),
    (2, "Lantai 2", "planned", None),  # demo data: phased growth to three floors
    (3, "Lantai 3", "planned", None),
]

# slug: (name, short_name, kind, description, website)
AGENCIES: dict[str, tuple[str, str, str, str, str]] = {
    "dpmptsp": (
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Yogyakarta",
        "DPMPTSP",
        "city_office",
        "Pengelola MPP; perizinan dan nonperizinan Pemerintah Kota Yogyakarta.",
        "https://perizinan.jogjakota.go.id",
    ),
    "disdukcapil": (
        "Dinas Kependudukan dan Pencatatan Sipil Kota Yogyakarta",
        "Disdukcapil",
        "city_office",
        "Pendaftaran penduduk dan pencatatan sipil: KTP-el, KK, akta, KIA, pindah datang.",
        "https://kependudukan.jogjakota.go.id",
    ),
    "dinkes": (
        "Dinas Kesehatan Kota Yogyakarta",
        "Dinkes",
        "city_office",
        "Rekomendasi dan sertifikat di bidang kesehatan dan pangan olahan rumah tangga.",
        "https://kesehatan.jogjakota.go.id",
    ),
    "disdag": (
        "Dinas Perdagangan Kota Yogyakarta",
        "Disdag",
        "city_office",
        "Tera/tera ulang alat ukur dan pendaftaran gudang.",
        "https://perdagangan.jogjakota.go.id",
    ),
    "dlh": (
        "Dinas Lingkungan Hidup Kota Yogyakarta",
        "DLH",
        "city_office",
        "Persetujuan lingkungan: SPPL dan UKL-UPL.",
        "https://lingkunganhidup.jogjakota.go.id",
    ),
    "dpupkp": (
        "Dinas Pekerjaan Umum, Perumahan dan Kawasan Permukiman Kota Yogyakarta",
        "DPUPKP",
        "city_office",
        "Keterangan rencana kota dan rekomendasi teknis bangunan gedung.",
        "https://dpupkp.jogjakota.go.id",
    ),
    "dishub": (
        "Dinas Perhubungan Kota Yogyakarta",
        "Dishub",
        "city_office",
        "Analisis dampak lalu lintas dan uji berkala kendaraan.",
        "https://dishub.jogjakota.go.id",
    ),
    "bpkad": (
        "Badan Pengelolaan Keuangan dan Aset Daerah Kota Yogyakarta",
        "BPKAD",
        "city_office",
        "Pajak daerah: PBB-P2 dan BPHTB.",
        "https://bpkad.jogjakota.go.id",
    ),
    "dinsosnakertrans": (
        "Dinas Sosial, Tenaga Kerja dan Transmigrasi Kota Yogyakarta",
        "Dinsosnakertrans",
        "city_office",
        "Kartu pencari kerja (AK/I) dan data kesejahteraan sosial.",
        "https://dinsosnakertrans.jogjakota.go.id",
    ),
    "polresta": (
        "Kepolisian Resor Kota Yogyakarta",
        "Polresta Yogyakarta",
        "central_government",
        "SKCK, perpanjangan SIM (juga drive-thru Sijidtu) dan surat keterangan kehilangan.",
        "https://polrestajogja.com",
    ),
    "samsat": (
        # A joint office of the police, the provincial revenue agency and Jasa Raharja; the
        # catalog has no "joint office" kind, and its lead partner is the police.
        "Samsat Kota Yogyakarta",
        "Samsat",
        "central_government",
        "Pajak kendaraan bermotor tahunan dan lima tahunan, termasuk di lajur drive-thru.",
        "https://samsat.jogjaprov.go.id",
    ),
    "kemenag": (
        "Kantor Kementerian Agama Kota Yogyakarta (KUA)",
        "Kemenag",
        "central_government",
        "Pencatatan nikah di KUA, rekomendasi nikah dan pendaftaran haji.",
        "https://jogja.kemenag.go.id",
    ),
    "imigrasi": (
        "Kantor Imigrasi Kelas I TPI Yogyakarta",
        "Imigrasi",
        "central_government",
        "Paspor baru dan penggantian paspor.",
        "https://yogyakarta.imigrasi.go.id",
    ),
    "bea-cukai": (
        "Kantor Pengawasan dan Pelayanan Bea dan Cukai Yogyakarta",
        "Bea Cukai",
        "central_government",
        "Konsultasi kepabeanan dan perizinan cukai.",
        "https://bcyogyakarta.beacukai.go.id",
    ),
    "atr-bpn": (
        "Kantor Pertanahan Kota Yogyakarta (ATR/BPN)",
        "ATR/BPN",
        "central_government",
        "Roya, pengecekan sertipikat dan informasi pertanahan.",
        "https://www.atrbpn.go.id",
    ),
    "kpp-pratama": (
        "Kantor Pelayanan Pajak Pratama Yogyakarta",
        "KPP Pratama",
        "central_government",
        "Pendaftaran NPWP (NIK sebagai NPWP) dan aktivasi EFIN.",
        "https://www.pajak.go.id",
    ),
    "bpjs-kesehatan": (
        "BPJS Kesehatan Kantor Cabang Yogyakarta",
        "BPJS Kesehatan",
        "state_enterprise",
        "Pendaftaran peserta JKN mandiri dan perubahan data.",
        "https://www.bpjs-kesehatan.go.id",
    ),
    "bpjs-ketenagakerjaan": (
        "BPJS Ketenagakerjaan (BP Jamsostek) Kantor Cabang Yogyakarta",
        "BP Jamsostek",
        "state_enterprise",
        "Klaim Jaminan Hari Tua dan pendaftaran peserta bukan penerima upah.",
        "https://www.bpjsketenagakerjaan.go.id",
    ),
    "pln": (
        "PT PLN (Persero) UP3 Yogyakarta",
        "PLN",
        "state_enterprise",
        "Pasang baru dan tambah daya listrik.",
        "https://www.pln.co.id",
    ),
    "pdam": (
        "Perumda Air Minum Tirtamarta Kota Yogyakarta",
        "PDAM Tirtamarta",
        "regional_enterprise",
        "Sambungan baru air minum dan balik nama pelanggan.",
        "https://pdamjogja.co.id",
    ),
    "bank-bpd-diy": (
        "Bank BPD DIY",
        "Bank BPD DIY",
        "regional_enterprise",
        "Pembayaran PBB-P2 dan pajak daerah, pembukaan tabungan.",
        "https://www.bpddiy.co.id",
    ),
    # demo data: the three private firms and the NGO are invented names for the kinds of
    # provider SERVICES.md says may hold counters in the mall.
    "cv-rancang-gambar": (
        "CV Rancang Gambar Mataram",
        "Rancang Gambar",
        "private",
        "Jasa gambar teknis bangunan untuk permohonan PBG (data demo).",
        "",
    ),
    "pt-lestari-lingkungan": (
        "PT Lestari Lingkungan Konsultan",
        "Lestari Konsultan",
        "private",
        "Konsultan penyusunan dokumen lingkungan UKL-UPL dan AMDAL (data demo).",
        "",
    ),
    "pt-sertifikasi-usaha": (
        "PT Sertifikasi Usaha Nusantara",
        "Sertifikasi Usaha",
        "private",
        "Lembaga sertifikasi usaha: pendampingan sertifikasi halal dan mutu produk UMKM "
        "(data demo).",
        "",
    ),
    "lbh-mataram": (
        "Pos Bantuan Hukum Mataram",
        "Posbakum Mataram",
        "non_government",
        "Konsultasi hukum gratis bagi warga, terutama kelompok rentan (data demo).",
        "",
    ),
}

# The city offices whose services are all taken in at one shared counter, "Loket Tim Teknis".
TIM_TEKNIS_AGENCIES = [
    "dpmptsp",
    "dinkes",
    "disdag",
    "dlh",
    "dpupkp",
    "dishub",
    "bpkad",
    "dinsosnakertrans",
]

# Partnerships (MOU) of the partner agencies. The mall's own operator (DPMPTSP) needs none.
# agency slug: (status, mou_number, signed_on, starts_on, ends_on or days-from-today).
# demo data: every MOU number and date below is invented. An int in the last place means "ends
# that many days after the day the demo is first seeded", so that a fresh demo always shows a
# few MOUs about to expire; the loader sets those dates only when it creates the row.
PARTNERSHIPS: dict[str, tuple[str, str, date | None, date | None, date | int | None]] = {
    "disdukcapil": (
        "active",
        "470/0112/MOU/2026",
        date(2026, 5, 25),
        date(2026, 6, 1),
        date(2031, 5, 31),
    ),
    "dinkes": (
        "active",
        "440/0113/MOU/2026",
        date(2026, 5, 25),
        date(2026, 6, 1),
        date(2031, 5, 31),
    ),
    "disdag": (
        "active",
        "510/0114/MOU/2026",
        date(2026, 5, 25),
        date(2026, 6, 1),
        date(2031, 5, 31),
    ),
    "dlh": ("active", "660/0115/MOU/2026", date(2026, 5, 25), date(2026, 6, 1), date(2031, 5, 31)),
    "dpupkp": (
        "active",
        "600/0116/MOU/2026",
        date(2026, 5, 25),
        date(2026, 6, 1),
        date(2031, 5, 31),
    ),
    "dishub": (
        "active",
        "550/0117/MOU/2026",
        date(2026, 5, 25),
        date(2026, 6, 1),
        date(2031, 5, 31),
    ),
    "bpkad": (
        "active",
        "900/0118/MOU/2022",
        date(2022, 1, 10),
        date(2022, 1, 10),
        date(2027, 1, 9),
    ),
    "dinsosnakertrans": ("active", "560/0119/MOU/2022", date(2022, 1, 10), date(2022, 1, 10), 45),
    "polresta": ("active", "B/41/VI/2021/Polresta Yka", date(2021, 6, 2), date(2021, 6, 2), 30),
    "samsat": (
        "active",
        "973/0120/MOU/2026",
        date(2026, 5, 28),
        date(2026, 6, 2),
        date(2031, 6, 1),
    ),
    "kemenag": (
        "active",
        "B-1021/Kk.12.4/HM.01/05/2026",
        date(2026, 5, 28),
        date(2026, 6, 3),
        date(2031, 6, 2),
    ),
    "imigrasi": (
        "active",
        "W.15.IMI.IMI.1-UM.01.01-2211",
        date(2022, 10, 6),
        date(2022, 10, 6),
        date(2027, 10, 5),
    ),
    "bea-cukai": (
        "signed",
        "ND-88/KBC.1004/2026",
        date(2026, 9, 1),
        date(2026, 12, 1),
        date(2031, 11, 30),
    ),
    "atr-bpn": (
        "active",
        "HK.02.03/0341-34.71/X/2022",
        date(2022, 10, 6),
        date(2022, 10, 6),
        date(2027, 10, 5),
    ),
    "kpp-pratama": ("active", "PRJ-17/WPJ.23/KP.01/2022", date(2022, 10, 6), date(2022, 10, 6), 20),
    "bpjs-kesehatan": (
        "active",
        "1107/KTR/V-04/0621",
        date(2026, 5, 29),
        date(2026, 6, 4),
        date(2031, 6, 3),
    ),
    "bpjs-ketenagakerjaan": (
        "active",
        "PKS/112/052021",
        date(2026, 5, 29),
        date(2026, 6, 4),
        date(2031, 6, 3),
    ),
    "pln": (
        "active",
        "0211.PJ/HKM.02.01/UP3YK/2022",
        date(2022, 3, 1),
        date(2022, 3, 1),
        date(2027, 2, 28),
    ),
    "pdam": ("active", "690/0121/MOU/2026", date(2026, 5, 25), date(2026, 6, 1), date(2031, 5, 31)),
    "bank-bpd-diy": (
        "active",
        "0987/HK.00.02/2026",
        date(2026, 5, 25),
        date(2026, 6, 1),
        date(2031, 5, 31),
    ),
    "cv-rancang-gambar": (
        "expired",
        "503/0201/PKS/2024",
        date(2024, 2, 5),
        date(2024, 2, 5),
        date(2026, 2, 4),
    ),
    "pt-lestari-lingkungan": ("drafted", "", None, None, None),
    "pt-sertifikasi-usaha": ("invited", "", None, None, None),
    "lbh-mataram": (
        "active",
        "503/0202/PKS/2024",
        date(2024, 3, 11),
        date(2024, 3, 11),
        date(2027, 3, 10),
    ),
}

# Counters of floor 1: (number, name, area, mode, agency slugs whose services it serves, or an
# explicit list of service codes). demo data: the layout is invented; the east-side Disdukcapil
# counters and the SIM drive-thru "Sijidtu" are from SERVICES.md.
COUNTERS: list[tuple[int, str, str, str, list[str], list[str]]] = [
    (1, "Loket Disdukcapil 1", "Sayap timur", "walk_in", ["disdukcapil"], []),
    (2, "Loket Disdukcapil 2", "Sayap timur", "walk_in", ["disdukcapil"], []),
    (3, "Loket Disdukcapil 3", "Sayap timur", "walk_in", ["disdukcapil"], []),
    (
        4,
        "Loket Disdukcapil 4 (Akta)",
        "Sayap timur",
        "walk_in",
        [],
        ["DUK-AKTA-LAHIR", "DUK-AKTA-MATI", "DUK-AKTA-KAWIN", "DUK-KIA"],
    ),
    (5, "Loket Tim Teknis", "Tengah, dekat pintu masuk", "walk_in", TIM_TEKNIS_AGENCIES, []),
    (
        6,
        "Loket Polresta SKCK",
        "Sayap barat",
        "walk_in",
        [],
        ["POL-SKCK", "POL-SKCK-ULANG", "POL-KEHILANGAN"],
    ),
    (
        7,
        "Loket Polresta SIM",
        "Sayap barat",
        "walk_in",
        [],
        ["POL-SIM-A", "POL-SIM-C", "POL-SIM-D"],
    ),
    (8, "Loket Samsat", "Sayap barat", "walk_in", ["samsat"], []),
    (9, "Loket Kemenag / KUA", "Sayap utara, dekat ruang akad", "walk_in", ["kemenag"], []),
    (10, "Loket Imigrasi 1", "Sayap utara", "walk_in", ["imigrasi"], []),
    (11, "Loket Imigrasi 2", "Sayap utara", "walk_in", ["imigrasi"], []),
    (12, "Loket Bea Cukai", "Sayap utara", "walk_in", ["bea-cukai"], []),
    (13, "Loket BPJS Kesehatan", "Sayap selatan", "walk_in", ["bpjs-kesehatan"], []),
    (14, "Loket BPJS Ketenagakerjaan", "Sayap selatan", "walk_in", ["bpjs-ketenagakerjaan"], []),
    (15, "Loket PLN", "Sayap selatan", "walk_in", ["pln"], []),
    (16, "Loket PDAM Tirtamarta", "Sayap selatan", "walk_in", ["pdam"], []),
    (17, "Loket Bank BPD DIY", "Dekat pintu keluar", "walk_in", ["bank-bpd-diy"], []),
    (18, "Loket ATR/BPN", "Sayap utara", "walk_in", ["atr-bpn"], []),
    (19, "Loket KPP Pratama", "Sayap utara", "walk_in", ["kpp-pratama"], []),
    (
        20,
        "Meja Konsultan Swasta",
        "Pojok konsultasi",
        "walk_in",
        ["cv-rancang-gambar", "pt-lestari-lingkungan", "pt-sertifikasi-usaha"],
        [],
    ),
    (21, "Meja Posbakum", "Pojok konsultasi", "walk_in", ["lbh-mataram"], []),
    (
        22,
        "Drive-thru Lajur 1",
        "Halaman depan, lajur kiri",
        "drive_thru",
        [],
        ["POL-SIM-A", "POL-SIM-C", "SAMSAT-PKB"],
    ),
    (
        23,
        "Drive-thru Lajur 2",
        "Halaman depan, lajur kanan",
        "drive_thru",
        [],
        ["POL-SIM-A", "POL-SIM-C", "SAMSAT-PKB"],
    ),
]

# Bundles: code: (name, description, [(position, service code, [codes it starts after])]).
BUNDLES: dict[str, tuple[str, str, list[tuple[int, str, list[str]]]]] = {
    "BND-LAHIR": (
        "Paket Kelahiran",
        "Satu permohonan untuk bayi baru lahir: akta kelahiran, lalu KK baru dan KIA, lalu "
        "pendaftaran bayi sebagai peserta JKN setelah KK terbit.",
        [
            (1, "DUK-AKTA-LAHIR", []),
            (2, "DUK-KK", ["DUK-AKTA-LAHIR"]),
            (3, "DUK-KIA", ["DUK-AKTA-LAHIR"]),
            (4, "BPJSKES-DAFTAR", ["DUK-KK"]),
        ],
    ),
    "BND-RUMAH": (
        "Paket Membangun Rumah",
        "Persetujuan Bangunan Gedung (PBG), lalu Sertifikat Laik Fungsi (SLF) setelah "
        "bangunan selesai.",
        [(1, "DPM-PBG", []), (2, "DPM-SLF", ["DPM-PBG"])],
    ),
    "BND-USAHA": (
        "Paket Memulai Usaha",
        "Nomor Induk Berusaha (NIB) lewat OSS-RBA dan izin reklame untuk papan nama usaha.",
        [(1, "DPM-NIB", []), (2, "DPM-REKLAME", [])],
    ),
}

# Demo accounts: username: (full name, role, agency slug or None, is_staff, is_superuser).
ACCOUNTS: dict[str, tuple[str, str, str | None, bool, bool]] = {
    "admin": ("Administrator Sistem", "mall_admin", None, True, True),
    "mall.admin": ("Sri Wahyuni (Pengelola MPP)", "mall_admin", None, True, False),
    "dukcapil.admin": (
        "Bambang Setiawan (Admin Disdukcapil)",
        "agency_admin",
        "disdukcapil",
        True,
        False,
    ),
    "loket1": ("Dewi Lestari (Petugas Loket)", "counter_officer", None, False, False),
    "loket2": ("Agus Prasetyo (Petugas Loket)", "counter_officer", None, False, False),
    "dukcapil.bo": (
        "Rina Marlina (Back Office Disdukcapil)",
        "back_office_officer",
        "disdukcapil",
        False,
        False,
    ),
    "dpmptsp.bo": (
        "Hendra Gunawan (Back Office DPMPTSP)",
        "back_office_officer",
        "dpmptsp",
        False,
        False,
    ),
    "bpjs.bo": (
        "Fitri Handayani (Back Office BPJS Kesehatan)",
        "back_office_officer",
        "bpjs-kesehatan",
        False,
        False,
    ),
    "outreach": ("Yusuf Hidayat (Petugas Jemput Bola)", "outreach_officer", None, False, False),
    "supervisor": ("Ratna Sari (Supervisor MPP)", "supervisor", None, False, False),
    "kasir": ("Eko Saputro (Kasir)", "cashier", None, False, False),
    "pimpinan": ("Drs. Wahyu Nugroho (Kepala DPMPTSP)", "viewer", None, False, False),
}

# Devices: username: (device name, role ("kiosk"|"display"), floor number or None for the whole
# mall). Each device account drives the Kiosk or Display row of the same name.
DEVICES: dict[str, tuple[str, str, int | None]] = {
    "kiosk-1": ("Anjungan Lobi Utama", "kiosk", 1),
    "kiosk-2": ("Anjungan Drive-thru", "kiosk", 1),
    "display-1": ("Papan Antrian Lantai 1", "display", 1),
    "display-2": ("Papan Antrian Seluruh Mal", "display", None),
}
DISPLAY_RUNNING_TEXT = (
    # The opening hours and closure days are added by the board from the mall's calendar.
    "Selamat datang di MPP Kota Yogyakarta. "
    "Pelayanan tidak dipungut biaya di luar tarif resmi. Pengaduan: SP4N-LAPOR! (lapor.go.id)."
)

"""The Ministry of Justice's Excel import format: column keys in order, per book type, and codes.

Single source of truth for template field keys and for the Excel export.
"""

from __future__ import annotations

_COMMON = "so quyenSo trangSo ngayDangKy loaiDangKy noiDangKy nguoiKy chucVuNguoiKy"
_ABROAD = "soDangKyNuocNgoai ngayDangKyNuocNgoai cqNuocNgoaiDaDangKy qgNuocNgoaiDaDangKy"
_PAPERS = "LoaiGiayToTuyThan GiayToKhac SoGiayToTuyThan NgayCapGiayToTuyThan NoiCapGiayToTuyThan"
_PERSON = "HoTen NgaySinh DanToc QuocTich QuocTichKhac LoaiCuTru NoiCuTru"


def _person(prefix: str, attrs: str) -> str:
    return " ".join(prefix + a for a in attrs.split())


EXCEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "KS": tuple(
        (
            f"{_COMMON} nguoiThucHien ghiChu nksHoTen nksGioiTinh nksNgaySinh nksNgaySinhBangChu "
            "nksNoiSinh nksNoiSinhDVHC nksQueQuan nksDanToc nksQuocTich nksQuocTichKhac "
            "nksLoaiKhaiSinh nksMatTich nksMatTichNgayGhiChuTuyenBo nksMatTichCanCuTuyenBo "
            "nksMatTichNgayGhiChuHuyTuyenBo nksMatTichCanCuHuyTuyenBo nksHanCheNangLucHanhVi "
            "nksHanCheNangLucHanhViNgayGhiChuTuyenBo nksHanCheNangLucHanhViCanCuTuyenBo "
            "nksHanCheNangLucHanhViNgayGhiChuHuyTuyenBo nksHanCheNangLucHanhViNgayCanCuHuyTuyenBo "
            f"{_person('me', _PERSON)} meLoaiGiayToTuyThan meSoGiayToTuyThan "
            f"{_person('cha', _PERSON)} chaLoaiGiayToTuyThan chaSoGiayToTuyThan "
            "nycHoTen nycQuanHe nycLoaiGiayToTuyThan nycGiayToKhac nycSoGiayToTuyThan "
            f"nycNgayCapGiayToTuyThan nycNoiCapGiayToTuyThan {_ABROAD}"
        ).split()
    ),
    "KT": tuple(
        (
            f"{_COMMON} nguoiThucHien ghiChu nktHoTen nktGioiTinh nktNgaySinh nktDanToc "
            f"nktQuocTich nktQuocTichKhac nktLoaiCuTru nktNoiCuTru {_person('nkt', _PAPERS)} "
            "nktNgayChet nktNgayChetGhiBangChu nktGioPhutChet nktNoiChet nktNguyenNhanChet "
            "nktTinhTrangTuyenBoViecChet nktNgayGhiChuTuyenBoViecChet nktCanCuTuyenBoViecChet "
            "nktNgayGhiChuHuyTuyenBoViecChet nktCanCuHuyTuyenBoViecChet gbtLoai gbtSo gbtNgay "
            f"gbtCoQuanCap nycHoTen nycQuanHe {_person('nyc', _PAPERS)} {_ABROAD}"
        ).split()
    ),
    "KH": tuple(
        (
            f"{_COMMON} ngayXacLapQuanHeHonNhan nguoiThucHien ghiChu tinhTrangKetHon "
            "huyKetHonNgayGhiChu huyKetHonCanCu congNhanKetHonNgayGhiChu congNhanKetHonCanCu "
            f"{_person('chong', _PERSON)} {_person('chong', _PAPERS)} "
            f"{_person('vo', _PERSON)} {_person('vo', _PAPERS)} {_ABROAD}"
        ).split()
    ),
    "CMC": tuple(
        (
            "so quyenSo trangSo quyetDinhSo ngayDangKy loaiDangKy loaiXacNhan noiDangKy nguoiKy "
            "chucVuNguoiKy nguoiThucHien ghiChu "
            f"{_person('cm', 'HoTen NgaySinh DanToc QuocTich QuocTichKhac QueQuan LoaiCuTru NoiCuTru')} "
            f"{_person('cm', _PAPERS)} "
            f"{_person('nc', 'HoTen NgaySinh DanToc QuocTich QuocTichKhac QueQuan LoaiCuTru NoiCuTru')} "
            f"{_person('nc', _PAPERS)} nycHoTen nycQHNguoiDuocNhan nycQHNguoiNhan "
            f"{_person('nyc', _PAPERS)} {_ABROAD}"
        ).split()
    ),
}
"""Excel column keys in the Ministry's order (KS 60, KT 48, KH 44, CMC 50)."""

# No Ministry template exists for adoption (nuôi con nuôi); this one follows the same style.
EXCEL_COLUMNS["NCN"] = tuple(
    (
        f"{_COMMON} nguoiThucHien ghiChu "
        f"{_person('ncn', 'HoTen GioiTinh NgaySinh NoiSinh DanToc QuocTich NoiCuTru')} "
        f"{_person('chaNuoi', _PERSON)} {_person('meNuoi', _PERSON)} "
        f"{_person('chaDe', 'HoTen NgaySinh NoiCuTru')} {_person('meDe', 'HoTen NgaySinh NoiCuTru')} "
        f"{_ABROAD}"
    ).split()
)

LOAI_DANG_KY = {0: "không có thông tin", 1: "đúng hạn", 2: "đăng ký lại",
                3: "ghi vào sổ việc đã đăng ký ở nước ngoài", 4: "quá hạn"}
# gioiTinh codes (1 Nam, 2 Nữ, 3 chưa xác định) live with their aliases in ocr/lexicon/genders.yaml.
LOAI_CU_TRU = {0: "không có thông tin", 1: "thường trú", 2: "tạm trú"}
LOAI_GIAY_TO = {0: "để trống", 1: "CMND", 2: "hộ chiếu", 3: "thẻ thường trú",
                4: "thẻ căn cước công dân", 5: "giấy tờ quân đội, công an (mã 5)",
                6: "giấy tờ quân đội, công an (mã 6)", 7: "giấy tờ quân đội, công an (mã 7)",
                8: "giấy tờ khác"}

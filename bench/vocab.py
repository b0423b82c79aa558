"""The words the benchmark catalogue and its queries are built from.

Real OCOP specialties with the product set they belong to (shop/data/ocop_product_sets.csv),
the varieties, processes and packs they are sold in, the places they are famous for, and a
plausible price per pack in VND. Producer names, people's names and description phrases are
here too, so the generator and the query set share one vocabulary.
"""

from __future__ import annotations

from typing import NamedTuple


class Specialty(NamedTuple):
    bases: tuple[str, ...]  # the product word(s): "Cà phê", or several forms of one craft
    set_code: int  # ProductSet.code
    subs: tuple[str, ...]  # varieties: "Robusta", "Shan tuyết", "ST25"
    styles: tuple[str, ...]  # process or quality: "rang mộc", "hữu cơ"
    packs: tuple[tuple[str, int], ...]  # (variant label, weight in grams)
    price: tuple[int, int]  # VND range for the smallest pack
    places: tuple[str, ...]  # where it is famous from
    weight: int  # how common it is in the catalogue (relative)
    notes: tuple[str, ...] = ()  # a specific sentence or two for descriptions


# fmt: off
SPECIALTIES: tuple[Specialty, ...] = (
    Specialty(("Cà phê",), 13,
        ("Robusta", "Arabica", "Culi", "Moka", "chồn", "phin", "hạt", "bột", "hòa tan", "sữa"),
        ("rang mộc", "rang xay", "rang bơ", "nguyên chất", "hữu cơ", "đặc sản", "thượng hạng"),
        (("Túi 250g", 270), ("Túi 500g", 520), ("Hộp 500g", 560), ("Túi 1kg", 1030)),
        (60_000, 320_000),
        ("Buôn Ma Thuột", "Cầu Đất", "Khe Sanh", "Cư M'gar", "Krông Năng", "Di Linh", "Sơn La"),
        14,
        ("Hạt chín đỏ được hái tay và phơi trên giàn tre.", "Vị đậm, hậu ngọt, hợp pha phin.")),
    Specialty(("Ca cao",), 13,
        ("bột", "hạt", "nibs", "socola"), ("nguyên chất", "lên men", "hữu cơ"),
        (("Hộp 250g", 280), ("Túi 500g", 520)), (90_000, 250_000),
        ("Bến Tre", "Đắk Lắk", "Tiền Giang", "Bà Rịa"), 2),
    Specialty(("Chè",), 11,
        ("Shan tuyết", "búp", "tôm nõn", "móc câu", "xanh", "đinh", "ô long", "vàng"),
        ("cổ thụ", "sao suốt", "hữu cơ", "thượng hạng", "đặc biệt"),
        (("Túi 100g", 120), ("Túi 200g", 230), ("Hộp 500g", 560)), (80_000, 900_000),
        ("Thái Nguyên", "Tân Cương", "Tà Xùa", "Suối Giàng", "Mộc Châu", "Hà Giang", "Bảo Lộc"),
        9, ("Búp chè được hái một tôm hai lá và sao ngay trong ngày.",)),
    Specialty(("Trà",), 12,
        ("atiso", "hoa cúc", "gừng", "sen", "hoa nhài", "giảo cổ lam", "mãng cầu", "hoa đậu biếc"),
        ("túi lọc", "sấy lạnh", "thảo mộc", "hữu cơ"),
        (("Hộp 50 túi", 140), ("Hộp 100 túi", 260), ("Túi 200g", 220)), (45_000, 260_000),
        ("Đà Lạt", "Hưng Yên", "Tây Hồ", "Hòa Bình", "Huế"), 5),
    Specialty(("Mật ong",), 4,
        ("bạc hà", "hoa cà phê", "rừng", "hoa nhãn", "hoa vải", "tràm", "ong dú", "bạc hà dại"),
        ("nguyên chất", "nguyên sáp", "thiên nhiên", "hữu cơ", "đặc sản"),
        (("Chai 500ml", 740), ("Chai 1 lít", 1480), ("Hũ 350g", 420)), (120_000, 650_000),
        ("Mèo Vạc", "Đồng Văn", "Hưng Yên", "Lục Ngạn", "U Minh", "Cà Mau"), 8,
        ("Mật quay vào mùa hoa, không pha đường.", "Mật có thể kết tinh khi trời lạnh.")),
    Specialty(("Nước mắm",), 9,
        ("nhĩ", "cá cơm", "cá cơm than", "truyền thống", "cốt"),
        ("35 độ đạm", "40 độ đạm", "43 độ đạm", "thượng hạng", "nguyên chất"),
        (("Chai 500ml", 900), ("Chai 750ml", 1200), ("Can 2 lít", 2500), ("Hộp 2 chai", 1850)),
        (60_000, 300_000),
        ("Phú Quốc", "Phan Thiết", "Cát Hải", "Nha Trang", "Nam Ô", "Sa Huỳnh"), 8,
        ("Cá cơm ủ chượp với muối hạt trong thùng gỗ bời lời ít nhất 12 tháng.",)),
    Specialty(("Mắm tôm", "Mắm tép", "Mắm ruốc", "Mắm cá linh"), 9,
        ("chua", "moi", "chưng thịt", "đặc biệt"), ("truyền thống", "đặc sản", "nhà làm"),
        (("Hũ 300g", 420), ("Hũ 500g", 650), ("Hũ 1kg", 1250)), (40_000, 180_000),
        ("Hậu Lộc", "Ba Làng", "Sa Huỳnh", "Huế", "Châu Đốc"), 4),
    Specialty(("Tương",), 9,
        ("Bần", "ớt", "Nam Đàn", "hột"), ("truyền thống", "nhà làm"),
        (("Chai 500ml", 650), ("Can 1 lít", 1200)), (30_000, 90_000),
        ("Hưng Yên", "Nghệ An", "Cự Đà"), 2),
    Specialty(("Gạo",), 3,
        ("ST25", "ST24", "tám thơm", "nếp cái hoa vàng", "lứt đỏ", "Séng Cù", "tám Xoan",
         "nàng hoa", "nếp"),
        ("hữu cơ", "sạch", "đặc sản", "vụ mới"),
        (("Túi 2kg", 2050), ("Túi 5kg", 5080), ("Bao 10kg", 10100)), (35_000, 220_000),
        ("Sóc Trăng", "Mỹ Xuyên", "Điện Biên", "Hải Hậu", "Bát Xát", "Cần Thơ"), 8,
        ("Cơm dẻo, thơm, để nguội vẫn mềm.",)),
    Specialty(("Tiêu",), 10,
        ("đen", "sọ", "đỏ", "xanh"), ("nguyên hạt", "xay", "hữu cơ"),
        (("Hũ 100g", 160), ("Túi 500g", 520)), (40_000, 200_000),
        ("Phú Quốc", "Chư Sê", "Lộc Ninh", "Bà Rịa"), 4),
    Specialty(("Quế",), 10,
        ("thanh", "bột", "vỏ", "cuộn"), ("sạch", "hữu cơ", "phơi nắng"),
        (("Túi 200g", 220), ("Túi 500g", 520)), (45_000, 150_000),
        ("Trà Bồng", "Văn Yên", "Trà My"), 2),
    Specialty(("Muối",), 10,
        ("tôm", "ớt", "hồng", "kiến vàng", "sả"), ("nhà làm", "đặc sản"),
        (("Hũ 200g", 260), ("Hũ 500g", 620)), (25_000, 90_000),
        ("Tây Ninh", "Bạc Liêu", "Gia Lai"), 3),
    Specialty(("Rượu",), 14,
        ("gạo", "nếp", "ngô", "men lá", "Bàu Đá", "Làng Vân", "Kim Sơn", "San Lùng", "cần"),
        ("40 độ", "45 độ", "hạ thổ", "nồi đồng", "truyền thống"),
        (("Chai 500ml", 950), ("Bình 2 lít", 3100), ("Bình sứ 750ml", 1500)), (80_000, 450_000),
        ("Bàu Đá", "Làng Vân", "Kim Sơn", "Bát Xát", "Tây Sơn"), 5,
        ("Rượu nấu bằng nồi đồng và chưng cất hai lần.",)),
    Specialty(("Rượu vang", "Rượu"), 15,
        ("sim", "mơ", "nho", "táo mèo", "dâu tằm", "chuối hột"), ("lên men", "ngâm", "đặc sản"),
        (("Chai 500ml", 1050), ("Chai 750ml", 1400)), (90_000, 350_000),
        ("Phú Quốc", "Yên Tử", "Ninh Thuận", "Đà Lạt", "Bắc Hà"), 3),
    Specialty(("Bánh tráng",), 6,
        ("phơi sương", "nướng", "mè đen", "dừa", "rế", "cuốn"), ("tráng tay", "đặc sản"),
        (("Xấp 500g", 540), ("Hộp 1kg", 1080)), (30_000, 110_000),
        ("Trảng Bàng", "Mỹ Lồng", "Túy Loan", "Phú Yên"), 4),
    Specialty(("Miến dong", "Miến"), 6,
        ("dong riềng", "sợi nhỏ"), ("thủ công", "phơi nắng", "sạch"),
        (("Túi 500g", 520), ("Túi 1kg", 1030)), (45_000, 130_000),
        ("Na Rì", "Bình Liêu", "Cự Đà", "Côn Lôn"), 3),
    Specialty(("Bún khô", "Phở khô", "Hủ tiếu", "Bánh đa"), 6,
        ("gạo lứt", "ngũ sắc", "đỏ", "gạo"), ("sạch", "phơi nắng", "thủ công"),
        (("Túi 500g", 520), ("Túi 1kg", 1030)), (30_000, 95_000),
        ("Sa Đéc", "Mỹ Tho", "Kế", "Nam Định"), 3),
    Specialty(("Bánh",), 6,
        ("cáy", "pía", "cốm", "gai", "in", "đậu xanh", "dẻo"), ("truyền thống", "nhà làm"),
        (("Hộp 250g", 280), ("Hộp 500g", 540)), (40_000, 160_000),
        ("Thái Bình", "Sóc Trăng", "Ninh Giang", "Hải Dương", "Huế"), 3),
    Specialty(("Nấm linh chi", "Nấm"), 18,
        ("đỏ", "đen", "thái lát", "nguyên tai", "hương", "đông cô"), ("sấy lạnh", "hữu cơ"),
        (("Túi 250g", 280), ("Hộp 500g", 560)), (150_000, 900_000),
        ("Lâm Viên", "Đà Lạt", "Quảng Nam", "Tam Đảo"), 3),
    Specialty(("Sâm", "Cao", "Đông trùng hạ thảo"), 18,
        ("Ngọc Linh", "Lai Châu", "atiso", "chè dây", "ích mẫu"), ("tươi", "sấy", "hũ"),
        (("Hũ 100g", 160), ("Hũ 200g", 330)), (150_000, 1_500_000),
        ("Kon Tum", "Quảng Nam", "Đà Lạt", "Sa Pa"), 3),
    Specialty(("Tinh dầu",), 20,
        ("tràm", "sả chanh", "quế", "bưởi", "bạc hà", "hồi", "gừng", "khuynh diệp"),
        ("nguyên chất", "thiên nhiên", "chưng cất"),
        (("Chai 10ml", 40), ("Chai 50ml", 120), ("Chai 100ml", 190)), (40_000, 200_000),
        ("Phong Điền", "Huế", "Trà Bồng", "Lạng Sơn", "Quảng Trị"), 4,
        ("Chưng cất hơi nước và lọc hai lần trước khi đóng chai.",)),
    Specialty(("Xà phòng", "Dầu gội"), 19,
        ("thảo dược", "sả chanh", "nghệ", "than tre", "bồ kết", "bưởi"), ("thủ công", "tự nhiên"),
        (("Bánh 100g", 120), ("Chai 300ml", 360), ("Hộp 3 bánh", 380)), (35_000, 150_000),
        ("Phong Điền", "Hội An", "Đà Lạt"), 2),
    Specialty(("Nón lá",), 21,
        ("bài thơ", "trắng", "thêu hoa sen", "ba tầm"), ("chằm tay", "truyền thống"),
        (("Nón trơn", 170), ("Nón thêu", 200)), (60_000, 250_000),
        ("Huế", "Tây Hồ", "Làng Chuông", "Gò Găng"), 2),
    Specialty(("Giỏ", "Khay", "Đèn"), 21,
        ("mây", "tre", "cói", "lục bình", "mây tre"), ("đan tay", "trang trí"),
        (("Cỡ nhỏ", 400), ("Cỡ vừa", 650), ("Cỡ lớn", 900)), (90_000, 450_000),
        ("Phú Vinh", "Chương Mỹ", "Kim Sơn", "Phú Tân"), 3),
    Specialty(("Gốm", "Bình gốm", "Ấm chén"), 21,
        ("men lam", "men rạn", "men nâu", "đất nung"), ("thủ công", "trang trí"),
        (("Bộ nhỏ", 900), ("Bộ lớn", 1800)), (150_000, 1_200_000),
        ("Bát Tràng", "Chu Đậu", "Bàu Trúc", "Thanh Hà"), 2),
    Specialty(("Chiếu cói",), 21,
        ("in hoa", "trơn", "đôi"), ("dệt tay", "truyền thống"),
        (("Khổ 1m6", 1800), ("Khổ 1m8", 2100)), (120_000, 400_000),
        ("Nga Sơn", "Kim Sơn"), 1),
    Specialty(("Khăn thổ cẩm", "Túi thổ cẩm", "Thổ cẩm", "Gối thổ cẩm"), 22,
        ("dệt tay", "nhuộm chàm", "Dao đỏ", "Mông", "Thái", "Chăm"), ("thủ công", "truyền thống"),
        (("Khăn 40 x 180cm", 250), ("Túi đeo chéo", 300), ("Vỏ gối", 200)), (120_000, 600_000),
        ("Sa Pa", "Mai Châu", "Mỹ Nghiệp", "Tả Phìn"), 2),
    Specialty(("Lụa tơ tằm", "Khăn lụa", "Lụa"), 22,
        ("Vạn Phúc", "Bảo Lộc", "Mã Châu", "Nha Xá"), ("dệt tay", "cao cấp"),
        (("Khăn 50 x 160cm", 150), ("Vải 1m", 200)), (200_000, 1_500_000),
        ("Hà Đông", "Bảo Lộc", "Duy Xuyên"), 1),
    Specialty(("Hạt điều", "Mắc ca", "Hạt sen"), 7,
        ("rang muối", "vỏ lụa", "tẩm mật ong", "sấy nứt vỏ", "sấy"), ("loại 1", "hữu cơ"),
        (("Hộp 500g", 560), ("Túi 1kg", 1050)), (120_000, 420_000),
        ("Bình Phước", "Đồng Xoài", "Đắk Lắk", "Huế", "Đồng Tháp"), 4),
    Specialty(("Kẹo dừa", "Kẹo lạc", "Mứt"), 7,
        ("sáp dứa", "sầu riêng", "lá dứa", "dâu tây", "gừng", "sen", "me"), ("nhà làm", "truyền thống"),
        (("Hộp 400g", 450), ("Hũ 250g", 380)), (35_000, 140_000),
        ("Mỏ Cày", "Bến Tre", "Đà Lạt", "Huế", "Nghệ An"), 4),
    Specialty(("Thịt bò khô", "Thịt trâu gác bếp", "Lạp xưởng", "Chả cá", "Tôm khô", "Mực khô",
               "Cá khô"), 8,
        ("gác bếp", "một nắng", "đất", "cá thu", "cá cơm", "tươi"), ("đặc sản", "nhà làm", "loại 1"),
        (("Túi 250g", 270), ("Túi 500g", 530)), (120_000, 650_000),
        ("Hà Giang", "Sơn La", "Lai Châu", "Cà Mau", "Phan Thiết", "Hạ Long", "Mỹ Xuyên"), 6),
    Specialty(("Nước dừa", "Nước ép", "Nước cốt"), 17,
        ("xiêm", "chanh dây", "dứa", "gừng"), ("đóng chai", "tiệt trùng"),
        (("Chai 330ml", 380), ("Thùng 12 chai", 4700)), (20_000, 300_000),
        ("Bến Tre", "Mỏ Cày", "Lâm Đồng"), 2),
    Specialty(("Nước khoáng",), 16,
        ("thiên nhiên", "có ga"), ("đóng chai",),
        (("Chai 500ml", 530), ("Thùng 24 chai", 12_500)), (8_000, 160_000),
        ("Kim Bôi", "Vĩnh Hảo", "Quang Hanh", "Thanh Tân"), 1),
    Specialty(("Bưởi", "Vải thiều", "Nhãn lồng", "Xoài cát", "Cam", "Sầu riêng", "Thanh long"), 1,
        ("da xanh", "Diễn", "Hòa Lộc", "sành", "Ri6", "ruột đỏ"), ("hữu cơ", "VietGAP", "loại 1"),
        (("Hộp 2kg", 2100), ("Thùng 5kg", 5200)), (60_000, 400_000),
        ("Lục Ngạn", "Hưng Yên", "Bến Tre", "Cao Phong", "Cái Bè", "Bình Thuận"), 4),
    Specialty(("Trứng gà", "Sữa tươi", "Thịt lợn đen"), 2,
        ("đồi", "Mộc Châu", "bản"), ("sạch", "tươi"),
        (("Hộp 10 quả", 650), ("Hộp 1kg", 1050)), (40_000, 280_000),
        ("Mộc Châu", "Ba Vì", "Tây Bắc"), 1),
    Specialty(("Lan hồ điệp", "Hoa lan", "Hoa"), 23,
        ("trắng", "tím", "vàng", "đột biến"), ("chậu", "cắt cành"),
        (("Chậu 3 cành", 2500), ("Chậu 5 cành", 3500)), (250_000, 1_500_000),
        ("Đà Lạt", "Mê Linh", "Sa Đéc"), 1),
    Specialty(("Bonsai", "Cây cảnh"), 24,
        ("sanh", "si", "mai vàng", "linh sam"), ("mini", "thế"),
        (("Chậu nhỏ", 3000), ("Chậu vừa", 8000)), (200_000, 2_000_000),
        ("Sa Đéc", "Văn Giang", "Bình Lợi"), 1),
)
# fmt: on

QUALIFIERS = ("hữu cơ", "đặc sản", "nguyên chất", "thượng hạng", "truyền thống", "loại 1")
EXTRA_PACKS = ("hộp 500g", "túi 1kg", "chai 500ml", "hũ 200g", "hộp quà")
FAMOUS = tuple(sorted({place for s in SPECIALTIES for place in s.places}))

FAMILY = (
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
    "Hồ", "Ngô", "Dương", "Lý", "Lò", "Giàng", "Mùa", "Đinh",
)  # fmt: skip
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Thanh", "Đức", "Hữu", "Quốc", "Thu", "Kim")
GIVEN = (
    "An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hạnh", "Hoa", "Hùng", "Lan", "Linh", "Long",
    "Mai", "Nam", "Nga", "Phúc", "Quang", "Sơn", "Tâm", "Thảo", "Thủy", "Trang", "Tuấn", "Yến",
    "Liên", "Khánh", "Tài", "Thào", "Lử", "Sênh",
)  # fmt: skip
HOUSEHOLD_TITLES = ("Bà", "Ông", "Cô", "Chú", "Út", "Anh", "Chị")

# Producer names by legal form; {topic} is the main product word, {place} a place name.
PRODUCER_PATTERNS = {
    "cooperative": (
        "Hợp tác xã {topic} {place}",
        "Hợp tác xã Nông nghiệp {topic} {place}",
        "Hợp tác xã Dịch vụ Nông nghiệp {place}",
        "HTX {topic} {place}",
    ),
    "enterprise": (
        "Công ty TNHH {topic} {place}",
        "Công ty Cổ phần {topic} {place}",
        "Công ty TNHH Nông sản {place}",
        "Doanh nghiệp tư nhân {topic} {place}",
    ),
    "cooperative_group": ("Tổ hợp tác {topic} {place}", "Tổ hợp tác sản xuất {topic} {place}"),
    "household_business": ("Hộ kinh doanh {topic} {person}", "Cơ sở {topic} {person}"),
}
LEGAL_FORM_SHARE = {  # roughly the OCOP programme's mix of producers
    "cooperative": 38,
    "enterprise": 27,
    "cooperative_group": 10,
    "household_business": 25,
}

OPENINGS = (
    "{name} được sản xuất theo phương pháp truyền thống tại {place}.",
    "{name} chọn lọc từ vùng nguyên liệu {place}, đóng gói trong ngày.",
    "Sản phẩm {name} của bà con {place}, không chất bảo quản.",
    "{name} là đặc sản nổi tiếng của {place}.",
    "{name} làm thủ công tại {place} theo bí quyết gia đình.",
)
CLOSINGS = (
    "Đạt chứng nhận OCOP {stars} sao.",
    "Thích hợp làm quà biếu dịp lễ Tết.",
    "Bảo quản nơi khô ráo, thoáng mát.",
    "Giao hàng toàn quốc, đóng gói cẩn thận.",
    "Vị ngon tự nhiên, được khách hàng tin dùng.",
)

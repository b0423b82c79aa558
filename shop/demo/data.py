"""The demo catalogue as data: accounts, producers, products and what happens to them.

Everything here is invented but plausible: real OCOP specialties, real provinces and wards
(post-July-2025 units), tax codes whose check digit shop.demo.plan computes. Dates are not
stored: each product gives how many days before today its OCOP decision was taken, so the demo
stays valid whenever it is loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from shop.enums import LegalForm

COOP = LegalForm.COOPERATIVE
FIRM = LegalForm.ENTERPRISE
GROUP = LegalForm.COOPERATIVE_GROUP
HOUSEHOLD = LegalForm.HOUSEHOLD_BUSINESS


@dataclass(frozen=True)
class DemoAccount:
    """A demo login that `flask demo load` prints."""

    role: str
    email: str
    password: str
    full_name: str


DEMO_ACCOUNTS = [
    DemoAccount("customer", "khach@demo.cho-ocop.vn", "demo-khach-2026", "Nguyễn Thu Trang"),
    DemoAccount("producer", "htx.caphe@demo.cho-ocop.vn", "demo-caphe-2026", "Trần Văn Khánh"),
    DemoAccount("producer", "nuocmam@demo.cho-ocop.vn", "demo-nuocmam-2026", "Lê Thị Ngọc Hân"),
    # a household business: its statement shows the tax the shop withholds (shop/demo/sales.py)
    DemoAccount(
        "producer", "banhtrang.utnga@demo.cho-ocop.vn", "demo-banhtrang-2026", "Phạm Thị Nga"
    ),
    DemoAccount("staff", "staff@demo.cho-ocop.vn", "demo-staff-2026", "Phạm Minh Quân"),
]

# Products that exist, are active and have variants, but must never be on sale.
EXPIRED, REVOKED, PENDING, REJECTED = NEVER_LISTED_SLUGS = (
    "ruou-sim-phu-quoc",  # approved while valid; its 36 months have since run out
    "mam-tep-chung-thit-hau-loc",  # approved, then revoked after a food-safety check
    "bot-ca-cao-nguyen-chat-dak-lak",  # sent back once for changes, resubmitted, waiting
    "dau-goi-bo-ket-thao-duoc-phong-dien",  # its scan was unreadable: rejected
)
REVOKE_REASON = (
    "Đoàn kiểm tra liên ngành lấy mẫu tại cơ sở: lô sản phẩm không đạt chỉ tiêu vi sinh vật. "
    "UBND tỉnh đã ra quyết định thu hồi giấy chứng nhận OCOP."
)
REJECT_REASON = (
    "Ảnh chụp giấy chứng nhận bị mờ, không đọc được số và ngày quyết định. "
    "Vui lòng tải lên bản quét rõ nét của giấy chứng nhận."
)
# The pending certificate was first declared with a mistyped decision number.
CHANGES_MESSAGE = (
    "Số quyết định khai báo không khớp với bản quét giấy chứng nhận. "
    "Vui lòng kiểm tra lại số quyết định và gửi lại."
)

MINISTRY_MERGED = dt.date(2025, 3, 1)  # Bộ NN&PTNT + Bộ TN&MT → Bộ Nông nghiệp và Môi trường
PROVINCES_MERGED = dt.date(2025, 7, 1)  # 34 provinces, district committees abolished


class ProducerRow(NamedTuple):
    code: str  # short code: SKU prefix and the key products use to name their producer
    slug: str
    name: str
    legal_form: LegalForm
    province: int  # vietnam_provinces code (34 units since 1 July 2025)
    ward: str  # a ward/commune of that province, by name
    street: str
    phone: str  # local 10-digit mobile
    tax_base: str  # 9 digits; the 10th (check digit) is computed
    owner_email: str
    owner_name: str
    old_body: str  # the issuing province committee before the July 2025 merger
    district_body: str  # the district committee that recognised older 3★ products
    description: str


class ProductRow(NamedTuple):
    producer: str  # ProducerRow.code
    set_code: int  # shop/data/ocop_product_sets.csv
    name: str
    stars: int
    days_ago: int  # decision date = today - days_ago
    variants: tuple[tuple[str, int, int, int], ...]  # (label, price VND, stock, weight g)
    description: str
    district: bool = False  # a 3★ recognised by the district committee (older rules)


# fmt: off
PRODUCERS: tuple[ProducerRow, ...] = (
    ProducerRow(
        "EATUL", "htx-ca-phe-ea-tul", "Hợp tác xã Nông nghiệp Cà phê Ea Tul", COOP,
        66, "Xã Ea Tul", "Thôn 5, đường liên xã Ea Tul", "0905318426", "600317245",
        "htx.caphe@demo.cho-ocop.vn", "Trần Văn Khánh",
        "UBND tỉnh Đắk Lắk", "UBND huyện Cư M'gar",
        "Hợp tác xã của 86 hộ trồng cà phê Robusta trên đất đỏ bazan, chỉ hái quả chín và "
        "phơi trên giàn tre. Cà phê được rang mộc tại xưởng của hợp tác xã, không tẩm ướp.",
    ),
    ProducerRow(
        "BNPQ", "nuoc-mam-bien-ngoc-phu-quoc", "Công ty TNHH Nước mắm Biển Ngọc Phú Quốc", FIRM,
        91, "Đặc khu Phú Quốc", "112 Hùng Vương, khu phố 5", "0918247351", "170482913",
        "nuocmam@demo.cho-ocop.vn", "Lê Thị Ngọc Hân",
        "UBND tỉnh Kiên Giang", "",
        "Nhà thùng ba thế hệ ủ chượp cá cơm than với muối hạt trong thùng gỗ bời lời. "
        "Mỗi mẻ nước mắm nhĩ ủ tối thiểu 12 tháng trước khi đóng chai.",
    ),
    ProducerRow(
        "MVHONEY", "htx-mat-ong-bac-ha-meo-vac", "Hợp tác xã Mật ong bạc hà Mèo Vạc", COOP,
        8, "Xã Mèo Vạc", "Thôn Tả Chải", "0973562814", "510263847",
        "matong.meovac@demo.cho-ocop.vn", "Sùng Mí Lử",
        "UBND tỉnh Hà Giang", "UBND huyện Mèo Vạc",
        "Hơn 120 hộ đồng bào Mông nuôi ong nội trên cao nguyên đá Đồng Văn. Mật chỉ quay "
        "vào mùa hoa bạc hà dại, từ tháng 10 đến tháng 12.",
    ),
    ProducerRow(
        "TAXUA", "to-hop-tac-che-shan-tuyet-ta-xua", "Tổ hợp tác Chè Shan tuyết Tà Xùa", GROUP,
        14, "Xã Tà Xùa", "Bản Tà Xùa", "0388416275", "550374162",
        "che.taxua@demo.cho-ocop.vn", "Mùa A Sênh",
        "UBND tỉnh Sơn La", "UBND huyện Bắc Yên",
        "Mười hai hộ người Mông chăm sóc những cây chè Shan tuyết cổ thụ ở độ cao trên 1.500 m. "
        "Búp chè được hái tay và sao, vò ngay trong ngày.",
    ),
    ProducerRow(
        "MXRICE", "htx-tom-lua-my-xuyen", "Hợp tác xã Nông nghiệp Tôm lúa Mỹ Xuyên", COOP,
        92, "Phường Mỹ Xuyên", "Khóm 4, đường Triệu Nương", "0946127358", "220519634",
        "tomlua.myxuyen@demo.cho-ocop.vn", "Lâm Văn Tài",
        "UBND tỉnh Sóc Trăng", "",
        "Canh tác theo mô hình luân canh tôm – lúa: mùa khô nuôi tôm, mùa mưa trồng lúa thơm "
        "ST24, ST25 không dùng thuốc trừ cỏ.",
    ),
    ProducerRow(
        "HAULOC", "mam-tom-ba-lien-hau-loc", "Hộ kinh doanh Mắm tôm Bà Liên", HOUSEHOLD,
        38, "Xã Hậu Lộc", "Thôn Long Thành", "0912835604", "280561937",
        "mamtom.hauloc@demo.cho-ocop.vn", "Nguyễn Thị Liên",
        "UBND tỉnh Thanh Hóa", "UBND huyện Hậu Lộc",
        "Gia đình làm mắm tôm theo cách truyền thống của làng biển Hậu Lộc đã hơn 40 năm: "
        "tôm moi tươi giã với muối, phơi nắng trong chum sành.",
    ),
    ProducerRow(
        "UTNGA", "banh-trang-phoi-suong-ut-nga", "Hộ kinh doanh Bánh tráng phơi sương Út Nga",
        HOUSEHOLD, 80, "Phường Trảng Bàng", "Khu phố Lộc An", "0869274153", "390628174",
        "banhtrang.utnga@demo.cho-ocop.vn", "Phạm Thị Nga",
        "UBND tỉnh Tây Ninh", "",
        "Lò bánh tráng gia đình ở Trảng Bàng, tráng bánh bằng tay, nướng than rồi phơi sương "
        "đêm cho dẻo. Muối tôm được rang cùng ớt hiểm trồng tại vườn nhà.",
    ),
    ProducerRow(
        "BAUDA", "ruou-bau-da-nhon-loc", "Công ty Cổ phần Rượu Bàu Đá Nhơn Lộc", FIRM,
        52, "Phường An Nhơn", "45 Trần Phú", "0935681472", "410795326",
        "ruou.bauda@demo.cho-ocop.vn", "Võ Minh Trí",
        "UBND tỉnh Bình Định", "",
        "Nấu rượu gạo men lá bằng nồi đồng và nước giếng làng Cù Lâm theo nghề truyền thống "
        "Bàu Đá. Rượu được hạ thổ trong chum sành ít nhất sáu tháng.",
    ),
    ProducerRow(
        "NARI", "htx-nong-san-na-ri", "Hợp tác xã Nông sản Na Rì", COOP,
        19, "Xã Na Rì", "Thôn Pò Đon", "0977310548", "470836215",
        "nongsan.nari@demo.cho-ocop.vn", "Hoàng Văn Thào",
        "UBND tỉnh Bắc Kạn", "",
        "Hợp tác xã của đồng bào Tày trồng dong riềng và làm miến thủ công. Miến được phơi "
        "nắng tự nhiên, không dùng chất tẩy trắng hay phụ gia.",
    ),
    ProducerRow(
        "LANGBIANG", "cong-ty-atiso-lam-vien", "Công ty TNHH Atiso và Dược liệu Lâm Viên", FIRM,
        68, "Phường Lâm Viên - Đà Lạt", "27 Phù Đổng Thiên Vương", "0913528746", "580641973",
        "atiso.lamvien@demo.cho-ocop.vn", "Đặng Quốc Bảo",
        "UBND tỉnh Lâm Đồng", "",
        "Trồng atiso, dâu tây và nấm linh chi trên cao nguyên Lâm Viên; sấy lạnh và chiết "
        "cao tại xưởng đạt chuẩn ISO 22000.",
    ),
    ProducerRow(
        "NONLA", "non-la-tay-ho-phu-vang", "Hộ kinh doanh Nón lá Tây Hồ", HOUSEHOLD,
        46, "Xã Phú Vang", "Thôn Tây Hồ", "0796452183", "330517829",
        "nonla.tayho@demo.cho-ocop.vn", "Hồ Thị Mai",
        "UBND tỉnh Thừa Thiên Huế", "UBND huyện Phú Vang",
        "Ba thế hệ chằm nón ở làng nón Tây Hồ. Mỗi chiếc nón bài thơ có 16 vành tre chuốt "
        "tay và hai lớp lá dứa phơi sương.",
    ),
    ProducerRow(
        "TRAMHUE", "to-hop-tac-tinh-dau-tram-phong-dien", "Tổ hợp tác Tinh dầu tràm Phong Điền",
        GROUP, 46, "Phường Phong Điền", "Tổ dân phố Vĩnh Nguyên", "0839261574", "330682415",
        "tinhdau.phongdien@demo.cho-ocop.vn", "Lê Văn Lành",
        "UBND tỉnh Thừa Thiên Huế", "",
        "Chưng cất tinh dầu tràm gió từ rừng tràm ven phá Tam Giang bằng nồi hơi truyền "
        "thống, lọc hai lần trước khi đóng chai.",
    ),
    ProducerRow(
        "PHUVINH", "htx-may-tre-dan-phu-vinh", "Hợp tác xã Mây tre đan Phú Vinh", COOP,
        1, "Xã Phú Nghĩa", "Thôn Phú Vinh", "0986315724", "010847263",
        "maytre.phuvinh@demo.cho-ocop.vn", "Nguyễn Văn Tuấn",
        "UBND thành phố Hà Nội", "UBND huyện Chương Mỹ",
        "Làng nghề mây tre đan Phú Vinh có hơn 400 năm tuổi. Hợp tác xã nhận đơn của 60 thợ "
        "đan tại nhà, dùng mây rừng và giang đã sấy chống mốc.",
    ),
    ProducerRow(
        "SAPA", "to-hop-tac-tho-cam-sa-pa", "Tổ hợp tác Dệt thổ cẩm Sa Pa", GROUP,
        15, "Phường Sa Pa", "Tổ 3, đường Thác Bạc", "0334718256", "530296418",
        "thocam.sapa@demo.cho-ocop.vn", "Giàng Thị Mỷ",
        "UBND tỉnh Lào Cai", "UBND thị xã Sa Pa",
        "Phụ nữ Mông và Dao đỏ trồng lanh, dệt vải và nhuộm chàm bằng tay. Mỗi họa tiết được "
        "vẽ sáp ong theo mẫu truyền lại trong gia đình.",
    ),
    ProducerRow(
        "TRABONG", "que-tra-bong-dinh-van-ot", "Hộ kinh doanh Quế Trà Bồng Đinh Văn Ớt",
        HOUSEHOLD, 51, "Xã Trà Bồng", "Thôn Trường Xuân", "0354826917", "430571846",
        "que.trabong@demo.cho-ocop.vn", "Đinh Văn Ớt",
        "UBND tỉnh Quảng Ngãi", "",
        "Gia đình người Cor trồng quế trên đồi Trà Bồng hơn 20 năm. Vỏ quế được bóc từ cây "
        "trên 15 tuổi, phơi khô tự nhiên dưới nắng.",
    ),
    ProducerRow(
        "MOCAY", "keo-dua-mo-cay-thanh-phat", "Công ty TNHH Kẹo dừa Thành Phát Mỏ Cày", FIRM,
        86, "Xã Mỏ Cày", "Ấp Thạnh Hòa", "0767394215", "130628495",
        "keodua.mocay@demo.cho-ocop.vn", "Huỳnh Thanh Phát",
        "UBND tỉnh Bến Tre", "",
        "Cơ sở kẹo dừa ở xứ dừa Mỏ Cày, dùng nước cốt dừa tươi ép trong ngày và mạch nha từ "
        "gạo nếp, không chất bảo quản.",
    ),
)

PRODUCTS: tuple[ProductRow, ...] = (
    # Đắk Lắk: cà phê Buôn Ma Thuột
    ProductRow("EATUL", 13, "Cà phê Robusta rang mộc Cư M'gar", 5, 700,
        (("Túi 500g", 165000, 84, 520), ("Túi 1kg", 310000, 36, 1030)),
        "Hạt Robusta chín đỏ trồng trên đất bazan Cư M'gar, rang mộc ở nhiệt độ vừa. "
        "Vị đậm, hậu ngọt, thơm mùi sô-cô-la đắng. Hợp pha phin hoặc pha máy."),
    ProductRow("EATUL", 13, "Cà phê phin Buôn Ma Thuột", 4, 320,
        (("Hộp 250g", 89000, 120, 280), ("Hộp 500g", 168000, 57, 540)),
        "Cà phê bột xay sẵn cho phin, phối 80% Robusta và 20% Arabica Cầu Đất. Nước cà phê "
        "sánh, màu nâu cánh gián, uống đá với sữa đặc là chuẩn vị Buôn Ma Thuột."),
    ProductRow("EATUL", 13, "Cà phê hạt Culi rang mộc", 4, 320,
        (("Túi 500g", 185000, 4, 520),),
        "Hạt Culi là những quả chỉ có một nhân tròn, chiếm chưa tới 5% mỗi vụ thu hoạch. "
        "Rang mộc để giữ vị đắng mạnh và hương thơm nồng đặc trưng."),
    ProductRow("EATUL", 4, "Mật ong hoa cà phê Ea Tul", 3, 790,
        (("Chai 500ml", 145000, 48, 720), ("Chai 1 lít", 270000, 15, 1450)),
        "Mật ong do đàn ong nội lấy từ hoa cà phê nở rộ tháng Giêng, tháng Hai. Mật màu "
        "vàng nhạt, thơm nhẹ mùi hoa cà phê, vị ngọt thanh, không pha đường.", True),
    ProductRow("EATUL", 7, "Mắc ca sấy nứt vỏ Đắk Lắk", 3, 180,
        (("Hộp 500g", 175000, 66, 560),),
        "Hạt mắc ca trồng xen trong vườn cà phê, sấy khô tự nhiên rồi tách nứt vỏ, kèm "
        "dụng cụ tách hạt. Nhân béo, giòn, thơm bùi."),
    ProductRow("EATUL", 13, "Bột ca cao nguyên chất Đắk Lắk", 3, 75,
        (("Hộp 250g", 120000, 40, 280),),
        "Ca cao lên men sáu ngày, sấy, rang và xay mịn, không thêm đường hay sữa. Pha với "
        "sữa nóng hoặc dùng làm bánh."),
    # Phú Quốc: nước mắm, tiêu, rượu sim
    ProductRow("BNPQ", 9, "Nước mắm nhĩ cá cơm Phú Quốc 43 độ đạm", 5, 240,
        (("Chai 500ml", 145000, 72, 900), ("Hộp 2 chai 500ml", 280000, 25, 1850)),
        "Giọt nước mắm nhĩ đầu tiên rút từ thùng gỗ bời lời sau 12 tháng ủ cá cơm than "
        "với muối. Màu cánh gián, mùi thơm, vị ngọt hậu, chỉ có cá và muối."),
    ProductRow("BNPQ", 9, "Nước mắm cá cơm Phú Quốc 35 độ đạm", 4, 410,
        (("Chai 500ml", 85000, 118, 880), ("Can 2 lít", 290000, 0, 2500)),
        "Nước mắm truyền thống dùng hằng ngày để nêm nếm và pha nước chấm. "
        "Độ đạm 35 độ, vị mặn dịu, hậu ngọt tự nhiên."),
    ProductRow("BNPQ", 10, "Tiêu đen Phú Quốc", 4, 410,
        (("Hũ 100g", 45000, 90, 160), ("Túi 500g", 190000, 30, 520)),
        "Tiêu đen trồng trên đất đỏ đảo ngọc, hái khi chùm tiêu đã có hạt chín đỏ rồi phơi "
        "nắng. Hạt chắc, cay nồng, thơm lâu."),
    ProductRow("BNPQ", 10, "Tiêu sọ trắng Phú Quốc", 3, 150,
        (("Hũ 100g", 68000, 3, 160),),
        "Tiêu chín đỏ được ngâm, bóc vỏ thủ công thành tiêu sọ trắng ngà. Vị cay thanh, "
        "hợp với cháo, súp và các món hải sản."),
    ProductRow("BNPQ", 15, "Rượu sim Phú Quốc", 3, 1110,
        (("Chai 500ml", 135000, 30, 1050),),
        "Rượu vang sim lên men từ trái sim rừng chín tím trên đảo. Màu đỏ tím, vị chua "
        "ngọt, chát nhẹ, nồng độ 13%."),
    # Tuyên Quang (Hà Giang cũ): mật ong bạc hà
    ProductRow("MVHONEY", 4, "Mật ong bạc hà Mèo Vạc", 4, 270,
        (("Chai 500ml", 290000, 54, 740), ("Chai 1 lít", 560000, 12, 1480)),
        "Mật ong nguyên chất từ hoa bạc hà dại nở trên cao nguyên đá vào mùa đông. Màu "
        "vàng sánh, thơm mát, ngọt sắc mà không gắt. Mật có thể kết tinh khi trời lạnh, "
        "đó là hiện tượng tự nhiên."),
    ProductRow("MVHONEY", 4, "Mật ong bạc hà nguyên sáp", 3, 820,
        (("Hộp 500g", 320000, 2, 620),),
        "Bánh sáp ong bạc hà cắt nguyên từ cầu ong, mật còn nằm trong lỗ tổ. Ăn cả sáp, "
        "vị ngọt thơm, hợp với sữa chua hoặc bánh mì.", True),
    ProductRow("MVHONEY", 8, "Thịt bò khô gác bếp Hà Giang", 3, 130,
        (("Túi 250g", 210000, 38, 270), ("Túi 500g", 400000, 17, 530)),
        "Thịt bò vàng vùng cao tẩm mắc khén, gừng, ớt rồi hun khói trên gác bếp củi. "
        "Thớ thịt dai, thơm mùi khói, xé tay ăn kèm chẩm chéo."),
    # Sơn La: chè Shan tuyết
    ProductRow("TAXUA", 11, "Bạch trà Shan tuyết cổ thụ Tà Xùa", 5, 190,
        (("Hộp 100g", 380000, 26, 180),),
        "Chỉ hái một tôm một lá non còn phủ lông tuyết trên cây chè trăm tuổi, làm héo và "
        "sấy nhẹ. Nước trà vàng sáng, thơm hương mật, vị ngọt dịu."),
    ProductRow("TAXUA", 11, "Hồng trà Shan tuyết Tà Xùa", 4, 560,
        (("Túi 200g", 260000, 44, 230), ("Hộp 500g", 610000, 9, 560)),
        "Búp chè Shan tuyết được vò và lên men hoàn toàn. Nước trà đỏ hổ phách, hương "
        "mật ong và trái cây chín, uống nóng hay pha trà sữa đều hợp."),
    ProductRow("TAXUA", 11, "Chè xanh Shan tuyết Tà Xùa", 3, 760,
        (("Túi 200g", 150000, 63, 220), ("Túi 500g", 360000, 21, 530)),
        "Chè xanh sao chảo gang, cánh xoăn phủ lớp tuyết trắng. Vị chát dịu, hậu ngọt sâu, "
        "pha được nhiều nước.", True),
    # Cần Thơ (Sóc Trăng cũ): gạo ST
    ProductRow("MXRICE", 3, "Gạo ST25 ruộng tôm Mỹ Xuyên", 5, 650,
        (("Túi 2kg", 78000, 110, 2050), ("Túi 5kg", 185000, 64, 5080)),
        "Gạo ST25 trồng trên ruộng luân canh tôm – lúa, không bón thuốc trừ cỏ. Hạt dài, "
        "trong, cơm dẻo và thơm mùi lá dứa, để nguội vẫn mềm."),
    ProductRow("MXRICE", 3, "Gạo ST24 hữu cơ", 4, 230,
        (("Túi 5kg", 165000, 52, 5080),),
        "Gạo ST24 canh tác hữu cơ trên đất phèn nhẹ ven biển Sóc Trăng. Cơm mềm, thơm "
        "nhẹ, hạt không bị nát khi nấu."),
    ProductRow("MXRICE", 8, "Tôm khô đất Mỹ Xuyên", 4, 230,
        (("Túi 200g", 260000, 22, 220), ("Túi 500g", 620000, 6, 520)),
        "Tôm đất nuôi trong ruộng lúa, luộc nước muối rồi phơi nắng và bóc vỏ bằng tay. "
        "Tôm đỏ tự nhiên, không phẩm màu, ngọt thịt."),
    # Thanh Hóa: mắm tôm Hậu Lộc
    ProductRow("HAULOC", 9, "Mắm tôm Hậu Lộc", 3, 840,
        (("Hũ 500g", 60000, 95, 650), ("Hũ 1kg", 110000, 28, 1250)),
        "Mắm tôm làm từ tôm moi tươi đánh bắt ven bờ, giã nhuyễn với muối và phơi nắng ba "
        "tháng. Màu tím hồng, mịn, thơm đậm; ăn cùng bún đậu, chả cá.", True),
    ProductRow("HAULOC", 8, "Tôm he khô Hậu Lộc", 3, 300,
        (("Túi 250g", 290000, 14, 270),),
        "Tôm he biển Thanh Hóa luộc sơ, phơi nắng gió và xát vỏ bằng tay. Con tôm vàng "
        "đỏ, chắc thịt, dùng nấu canh hay xào đều ngon."),
    ProductRow("HAULOC", 8, "Mắm tép chưng thịt Hậu Lộc", 3, 380,
        (("Hũ 300g", 75000, 20, 420),),
        "Mắm tép chưng với thịt ba chỉ, sả và ớt theo công thức gia đình. Ăn cùng cơm "
        "trắng hoặc rau luộc."),
    # Tây Ninh: bánh tráng Trảng Bàng
    ProductRow("UTNGA", 6, "Bánh tráng phơi sương Trảng Bàng", 4, 480,
        (("Xấp 500g", 55000, 120, 540), ("Hộp 1kg", 105000, 40, 1080)),
        "Bánh tráng tráng tay, nướng trên than rồi phơi sương đêm nên dẻo mềm, không cần "
        "nhúng nước. Cuốn thịt heo luộc và rau rừng là món đặc sản Trảng Bàng."),
    ProductRow("UTNGA", 10, "Muối tôm Tây Ninh", 4, 480,
        (("Hũ 200g", 35000, 110, 260), ("Hũ 500g", 80000, 0, 620)),
        "Muối hạt rang với tôm khô xay, ớt hiểm và tỏi phi theo bí quyết gia đình. "
        "Vị mặn, cay, ngọt hài hòa, chấm trái cây hay trộn bánh tráng đều hợp."),
    ProductRow("UTNGA", 6, "Bánh tráng nướng mè đen", 3, 140,
        (("Xấp 10 cái", 45000, 75, 420),),
        "Bánh tráng gạo pha mè đen và dừa nạo, nướng giòn trên than. Ăn không, bẻ vào gỏi "
        "hay cuốn hến xào đều thơm."),
    # Gia Lai (Bình Định cũ): rượu Bàu Đá
    ProductRow("BAUDA", 14, "Rượu Bàu Đá Nhơn Lộc 40 độ", 4, 600,
        (("Chai 500ml", 120000, 70, 950), ("Bình 2 lít", 420000, 11, 3100)),
        "Rượu gạo men lá nấu bằng nồi đồng với nước giếng làng Cù Lâm, chưng cất hai lần. "
        "Rượu trong, cay nồng mà êm, để lâu càng thơm."),
    ProductRow("BAUDA", 14, "Rượu Bàu Đá hạ thổ 45 độ", 4, 200,
        (("Bình sứ 750ml", 280000, 33, 1500),),
        "Rượu Bàu Đá được hạ thổ trong chum sành một năm trước khi đóng bình. Hương gạo "
        "rang, vị cay ấm, hậu ngọt sâu; thích hợp làm quà biếu."),
    ProductRow("BAUDA", 15, "Rượu mơ Bàu Đá", 3, 200,
        (("Chai 500ml", 150000, 46, 980),),
        "Mơ vàng ngâm trong rượu Bàu Đá và đường phèn suốt sáu tháng. Rượu màu hổ phách, "
        "chua ngọt dịu, nồng độ 25%."),
    # Thái Nguyên (Bắc Kạn cũ): miến dong Na Rì
    ProductRow("NARI", 6, "Miến dong Na Rì", 4, 520,
        (("Túi 500g", 60000, 115, 520), ("Túi 1kg", 115000, 58, 1030)),
        "Miến làm từ tinh bột dong riềng của bà con Na Rì, tráng và phơi nắng tự nhiên. "
        "Sợi miến dai, trong, không bị nát khi nấu lẩu hay xào."),
    ProductRow("NARI", 7, "Măng vầu khô Na Rì", 3, 520,
        (("Túi 500g", 120000, 37, 520),),
        "Măng vầu rừng luộc kỹ, phơi gác bếp đến khi khô vàng. Ngâm nước vo gạo một đêm "
        "rồi hầm chân giò hay nấu canh vịt."),
    ProductRow("NARI", 6, "Tinh bột dong riềng Na Rì", 3, 110,
        (("Túi 1kg", 65000, 80, 1030),),
        "Bột dong riềng lọc nhiều lần, trắng mịn, dùng làm bánh, nấu chè hay làm sánh món "
        "canh. Không pha bột sắn."),
    # Lâm Đồng: atiso, linh chi, dâu tây
    ProductRow("LANGBIANG", 12, "Trà atiso túi lọc Đà Lạt", 4, 360,
        (("Hộp 50 túi", 65000, 96, 140), ("Hộp 100 túi", 120000, 43, 260)),
        "Thân, rễ và hoa atiso Đà Lạt sấy lạnh, nghiền và đóng túi lọc. Nước trà vàng "
        "nhạt, vị ngọt mát, uống nóng hay lạnh đều được."),
    ProductRow("LANGBIANG", 18, "Cao atiso Đà Lạt", 5, 95,
        (("Hũ 200g", 170000, 58, 330), ("Hũ 500g", 390000, 14, 720)),
        "Cao mềm chiết từ lá và bông atiso tươi, cô đặc ở nhiệt độ thấp. Pha một thìa với "
        "nước ấm; sản phẩm này không phải là thuốc."),
    ProductRow("LANGBIANG", 20, "Nấm linh chi đỏ Lâm Viên", 4, 95,
        (("Túi 250g", 450000, 18, 280),),
        "Nấm linh chi đỏ trồng trên mùn cưa cao su trong nhà màng, thu hái khi tán đã "
        "chín, thái lát và sấy lạnh. Dùng sắc nước uống hoặc ngâm rượu."),
    ProductRow("LANGBIANG", 7, "Mứt dâu tây Đà Lạt", 3, 360,
        (("Hũ 250g", 79000, 0, 380),),
        "Dâu tây Đà Lạt chín mọng sên với đường mía và một chút chanh, giữ nguyên miếng "
        "dâu. Ăn kèm bánh mì, sữa chua."),
    # Huế: nón lá
    ProductRow("NONLA", 21, "Nón lá bài thơ Huế", 4, 450,
        (("Nón bài thơ", 120000, 34, 180), ("Nón thêu hoa sen", 180000, 12, 200)),
        "Nón chằm bằng lá dứa non phơi sương, kẹp giữa hai lớp lá những câu thơ cắt giấy "
        "và hình chùa Thiên Mụ. Soi lên ánh nắng mới thấy hình, thấy chữ."),
    ProductRow("NONLA", 21, "Nón lá trắng Tây Hồ", 3, 800,
        (("Nón trơn", 85000, 52, 170),),
        "Nón lá trắng mỏng nhẹ, vành tre chuốt tròn, quai lụa. Món quà nhỏ gọn cho người "
        "đi xa.", True),
    # Huế: tinh dầu tràm
    ProductRow("TRAMHUE", 20, "Tinh dầu tràm Phong Điền", 4, 450,
        (("Chai 50ml", 95000, 88, 120), ("Chai 100ml", 160000, 41, 190)),
        "Tinh dầu tràm gió chưng cất hơi nước từ lá tràm ven phá Tam Giang. Xoa ấm ngực, "
        "lòng bàn chân cho trẻ nhỏ, xông phòng khi trời nồm."),
    ProductRow("TRAMHUE", 20, "Tinh dầu sả chanh Phong Điền", 3, 160,
        (("Chai 50ml", 75000, 64, 120),),
        "Tinh dầu chưng cất từ sả chanh trồng ven đồi cát Phong Điền. Hương tươi mát, "
        "dùng xông phòng hoặc pha nước lau nhà đuổi muỗi."),
    ProductRow("TRAMHUE", 19, "Xà phòng tràm trà thảo dược", 3, 160,
        (("Bánh 100g", 45000, 100, 120), ("Hộp 3 bánh", 125000, 29, 380)),
        "Xà phòng thủ công nấu nguội từ dầu dừa, tinh dầu tràm và lá trà xanh. Tạo bọt "
        "mịn, dịu nhẹ với da."),
    ProductRow("TRAMHUE", 19, "Dầu gội bồ kết thảo dược Phong Điền", 3, 70,
        (("Chai 300ml", 110000, 35, 360),),
        "Dầu gội nấu từ bồ kết, hương nhu, vỏ bưởi và tinh dầu tràm. Làm sạch dịu nhẹ, "
        "giúp tóc mềm và giảm gãy rụng."),
    # Hà Nội: mây tre đan Phú Vinh
    ProductRow("PHUVINH", 21, "Giỏ mây đan Phú Vinh", 4, 390,
        (("Cỡ nhỏ 20cm", 180000, 27, 400), ("Cỡ vừa 30cm", 260000, 15, 650),
         ("Cỡ lớn 40cm", 350000, 5, 900)),
        "Giỏ đan bằng mây rừng theo kiểu nong mốt, có quai cầm chắc chắn. Dùng đựng đồ "
        "đi chợ, đựng đồ chơi hay trang trí nhà."),
    ProductRow("PHUVINH", 21, "Khay mây tròn đan tay", 3, 720,
        (("Đường kính 35cm", 150000, 33, 500),),
        "Khay mây đan dày, viền cuộn kép, phủ dầu chống mốc gốc nước. Bày hoa quả, bánh "
        "trà hay làm khay phục vụ đều đẹp.", True),
    ProductRow("PHUVINH", 21, "Đèn mây tre trang trí", 4, 150,
        (("Chao đèn 30cm", 420000, 8, 800),),
        "Chao đèn đan từ nan tre vót mỏng và mây sợi, ánh sáng hắt qua mắt đan tạo bóng "
        "đẹp. Kèm đui và dây điện 1,5 m."),
    # Lào Cai: thổ cẩm Sa Pa
    ProductRow("SAPA", 22, "Khăn thổ cẩm dệt tay Sa Pa", 4, 210,
        (("Khăn 40 x 180cm", 250000, 42, 250),),
        "Khăn dệt từ sợi lanh và bông trên khung cửi gỗ, nhuộm chàm và thêu họa tiết "
        "hoa văn Mông. Mỗi chiếc mất gần một tuần để hoàn thành."),
    ProductRow("SAPA", 22, "Túi thổ cẩm nhuộm chàm", 3, 210,
        (("Túi đeo chéo", 190000, 56, 300), ("Túi tote", 240000, 23, 380)),
        "Túi may từ vải lanh nhuộm chàm vẽ sáp ong, lót vải bông, có khóa kéo. Màu chàm "
        "sẽ dịu dần theo thời gian sử dụng."),
    ProductRow("SAPA", 22, "Gối tựa thổ cẩm Dao đỏ", 3, 770,
        (("Vỏ gối 45 x 45cm", 160000, 31, 200),),
        "Vỏ gối thêu chỉ đỏ, vàng theo họa tiết truyền thống của người Dao đỏ Tả Phìn. "
        "Khóa kéo giấu, giặt tay nước lạnh.", True),
    # Quảng Ngãi: quế Trà Bồng
    ProductRow("TRABONG", 10, "Quế thanh Trà Bồng", 4, 340,
        (("Túi 200g", 55000, 76, 220), ("Túi 500g", 125000, 19, 520)),
        "Vỏ quế cạo sạch lớp ngoài, cuộn thành thanh và phơi nắng tự nhiên. Quế Trà Bồng "
        "cay, ngọt và thơm đậm, dùng nấu phở, kho thịt hay pha trà."),
    ProductRow("TRABONG", 20, "Tinh dầu quế Trà Bồng", 4, 340,
        (("Chai 20ml", 85000, 61, 70),),
        "Tinh dầu chưng cất từ lá và cành quế non. Mùi thơm ấm, dùng xông phòng, pha dầu "
        "massage hoặc khử mùi tủ đồ."),
    # Vĩnh Long (Bến Tre cũ): kẹo dừa Mỏ Cày
    ProductRow("MOCAY", 7, "Kẹo dừa sáp dứa Mỏ Cày", 4, 500,
        (("Hộp 400g", 55000, 120, 450), ("Thùng 10 hộp", 520000, 7, 4600)),
        "Kẹo nấu từ cơm dừa sáp, nước cốt dừa tươi và mạch nha, thơm mùi lá dứa. Viên kẹo "
        "dẻo, béo, gói giấy bột ăn được."),
    ProductRow("MOCAY", 7, "Dầu dừa ép lạnh Bến Tre", 3, 260,
        (("Chai 250ml", 85000, 59, 300), ("Chai 500ml", 150000, 1, 560)),
        "Dầu ép lạnh từ cơm dừa già tươi, lọc lắng tự nhiên, trong như nước. Dùng nấu ăn, "
        "dưỡng tóc và dưỡng da."),
    ProductRow("MOCAY", 17, "Nước dừa xiêm đóng chai", 3, 120,
        (("Chai 330ml", 25000, 120, 380), ("Thùng 12 chai", 280000, 20, 4700)),
        "Nước dừa xiêm xanh Mỏ Cày tiệt trùng nhanh, không thêm đường. Ngọt thanh tự "
        "nhiên, uống lạnh ngon hơn."),
)
# fmt: on

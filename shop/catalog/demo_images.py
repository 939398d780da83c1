"""Demo product and kit pictures drawn with Pillow, offline: a bottle, tube, dropper or jar per
step in that step's palette, the product's name on its label, on a soft gradient. The same name
always draws the same bytes, so loading the demo twice stores nothing new."""

from __future__ import annotations

import hashlib
import textwrap
from io import BytesIO

from PIL import Image, ImageDraw, ImageFilter, ImageFont

Box = tuple[int, int, int, int]
RGB = tuple[int, int, int]
SIZE = 800
CX = SIZE // 2
# step slug -> (background top, background bottom, container colour, cap colour)
PALETTES = {
    "cleanse": ((232, 243, 246), (196, 222, 230), (120, 170, 190), (60, 90, 110)),
    "tone": ((240, 236, 248), (214, 204, 234), (160, 140, 200), (90, 70, 130)),
    "renew": ((250, 238, 226), (236, 208, 182), (200, 140, 90), (110, 70, 40)),
    "prime": ((236, 246, 236), (204, 226, 206), (120, 170, 130), (60, 100, 70)),
    "foundation": ((250, 240, 232), (232, 210, 192), (205, 160, 130), (120, 85, 60)),
    "powder": ((250, 236, 240), (234, 206, 216), (200, 140, 160), (120, 70, 90)),
    "extra": ((244, 244, 236), (222, 222, 200), (160, 160, 110), (90, 90, 60)),
    "kit": ((246, 238, 230), (226, 206, 190), (170, 110, 100), (240, 220, 160)),
}
SHAPES = {
    "cleanse": "pump",
    "tone": "bottle",
    "renew": "dropper",
    "prime": "tube",
    "foundation": "pump",
    "powder": "jar",
    "extra": "dropper",
    "kit": "box",
}


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _shift(colour: tuple[int, int, int], name: str) -> tuple[int, int, int]:
    """Nudge a colour by the name's hash so two products of one step are told apart."""
    nudge = hashlib.sha256(name.encode()).digest()
    return tuple(max(0, min(255, c + (nudge[i] % 41) - 20)) for i, c in enumerate(colour))  # type: ignore[return-value]


def _background(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    column = Image.new("RGB", (1, SIZE))
    for y in range(SIZE):
        t = y / (SIZE - 1)
        shade = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        column.putpixel((0, y), shade)
    return column.resize((SIZE, SIZE))


def _shadow(image: Image.Image, width: int, floor: int) -> None:
    shadow = Image.new("L", image.size, 0)
    ImageDraw.Draw(shadow).ellipse((CX - width, floor - 18, CX + width, floor + 18), fill=90)
    image.paste((0, 0, 0), mask=shadow.filter(ImageFilter.GaussianBlur(16)))


def _container(draw: ImageDraw.ImageDraw, shape: str, body: RGB, cap: RGB) -> Box:
    """Draw the container; returns the label's box (left, top, right, bottom)."""
    if shape == "pump":
        draw.rounded_rectangle((CX - 130, 300, CX + 130, 680), 48, fill=body)
        draw.rectangle((CX - 30, 230, CX + 30, 300), fill=cap)
        draw.rounded_rectangle((CX - 30, 200, CX + 110, 232), 12, fill=cap)
        return (CX - 105, 400, CX + 105, 600)
    if shape == "bottle":
        draw.rounded_rectangle((CX - 110, 260, CX + 110, 680), 60, fill=body)
        draw.rounded_rectangle((CX - 55, 170, CX + 55, 270), 14, fill=cap)
        return (CX - 90, 380, CX + 90, 600)
    if shape == "dropper":
        draw.rounded_rectangle((CX - 115, 380, CX + 115, 680), 40, fill=body)
        draw.rectangle((CX - 45, 320, CX + 45, 385), fill=cap)
        draw.ellipse((CX - 38, 200, CX + 38, 330), fill=cap)
        return (CX - 95, 430, CX + 95, 640)
    if shape == "tube":
        draw.polygon([(CX - 140, 180), (CX + 140, 180), (CX + 80, 600), (CX - 80, 600)], fill=body)
        draw.rectangle((CX - 140, 170, CX + 140, 195), fill=body)
        draw.rounded_rectangle((CX - 70, 595, CX + 70, 680), 14, fill=cap)
        return (CX - 105, 260, CX + 105, 470)
    if shape == "jar":
        draw.rounded_rectangle((CX - 200, 470, CX + 200, 680), 36, fill=body)
        draw.rounded_rectangle((CX - 210, 400, CX + 210, 480), 24, fill=cap)
        return (CX - 160, 510, CX + 160, 650)
    # box: a gift box with a ribbon and bow
    draw.rounded_rectangle((CX - 240, 330, CX + 240, 680), 20, fill=body)
    draw.rectangle((CX - 250, 290, CX + 250, 360), fill=body)
    draw.rectangle((CX - 25, 290, CX + 25, 680), fill=cap)
    draw.ellipse((CX - 110, 220, CX - 5, 300), outline=cap, width=18)
    draw.ellipse((CX + 5, 220, CX + 110, 300), outline=cap, width=18)
    return (CX - 170, 430, CX + 170, 620)


def _label(draw: ImageDraw.ImageDraw, box: Box, name: str, caption: str) -> None:
    left, top, right, bottom = box
    draw.rounded_rectangle(box, 16, fill=(253, 251, 248))
    width = right - left - 24
    for size in (34, 30, 26, 22, 19, 16):
        font = _font(size)
        chars = max(4, int(width / (size * 0.55)))
        lines = textwrap.wrap(name, chars, break_long_words=False)[:4]
        longest = max(draw.textlength(line, font=font) for line in lines)
        if longest <= width and len(lines) * size * 1.2 + 40 <= bottom - top:
            break
    height = len(lines) * size * 1.2 + 28
    y = top + (bottom - top - height) / 2
    mid = (left + right) / 2
    for line in lines:
        draw.text((mid, y), line, font=font, fill=(45, 40, 38), anchor="ma")
        y += size * 1.2
    draw.text((mid, y + 8), caption.upper(), font=_font(15), fill=(120, 110, 104), anchor="ma")


def draw(name: str, step: str, caption: str) -> bytes:
    """An 800 px square WebP of a `step` container ("kit" for a gift box) labelled `name`."""
    top, bottom, body, cap = PALETTES.get(step, PALETTES["extra"])
    image = _background(top, bottom)
    _shadow(image, 200 if step in ("powder", "kit") else 140, 685)
    drawing = ImageDraw.Draw(image)
    box = _container(drawing, SHAPES.get(step, "bottle"), _shift(body, name), cap)
    _label(drawing, box, name, caption)
    out = BytesIO()
    image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def _swatch(image: Image.Image, body: RGB, cap: RGB) -> None:
    """A smear of the product on a dish: its texture."""
    drawing = ImageDraw.Draw(image)
    drawing.ellipse((CX - 300, 300, CX + 300, 720), fill=(253, 251, 248))
    blob = Image.new("L", image.size, 0)
    blob_draw = ImageDraw.Draw(blob)
    blob_draw.ellipse((CX - 190, 400, CX + 150, 600), fill=255)
    blob_draw.ellipse((CX - 40, 370, CX + 210, 560), fill=255)
    image.paste(body, mask=blob.filter(ImageFilter.GaussianBlur(6)))
    shine = Image.new("L", image.size, 0)
    ImageDraw.Draw(shine).ellipse((CX - 120, 430, CX - 20, 470), fill=150)
    image.paste((255, 255, 255), mask=shine.filter(ImageFilter.GaussianBlur(10)))
    drawing.ellipse((CX + 170, 330, CX + 230, 390), fill=cap)


def _card(image: Image.Image, lines: list[str], cap: RGB) -> None:
    """A card with a few lines of text: where the product fits in the routine."""
    drawing = ImageDraw.Draw(image)
    drawing.rounded_rectangle((110, 170, SIZE - 110, SIZE - 170), 28, fill=(253, 251, 248))
    drawing.rectangle((110, 170, SIZE - 110, 196), fill=cap)
    y = 250.0
    for index, line in enumerate(lines):
        size = 40 if index == 0 else 26
        for part in textwrap.wrap(line, 30 if index == 0 else 40)[:3]:
            drawing.text((CX, y), part, font=_font(size), fill=(45, 40, 38), anchor="ma")
            y += size * 1.35
        y += 18


def draw_view(name: str, step: str, view: str, lines: list[str]) -> bytes:
    """Another 800 px WebP of the product: "texture" (a smear of it on a dish) or "routine"
    (a card with `lines`: where it fits and how to use it), in the step's palette."""
    top, bottom, body, cap = PALETTES.get(step, PALETTES["extra"])
    image = _background(bottom, top)
    if view == "texture":
        _shadow(image, 260, 700)
        _swatch(image, _shift(body, name), cap)
        ImageDraw.Draw(image).text(
            (CX, 150), name.upper(), font=_font(24), fill=(70, 62, 58), anchor="ma"
        )
    else:
        _card(image, lines, cap)
    out = BytesIO()
    image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()

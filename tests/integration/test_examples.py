#!/usr/bin/env python3
"""Ingests examples/ in one batch and checks what cleaning must recover, against truths
written by hand in docs/examples.md: titles, types, no markers, no footer of either
fictional site (one removed by patterns, one only learnable across the batch), no chrome,
every masked 党 restored, the notice's signature kept, paywall where expected.

Environment: SUCAI = the binary (required).  Needs the real readers (GB18030, BOM, CRLF,
.docx)."""
import json, os, re, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SUCAI = os.environ.get("SUCAI") or os.path.join(ROOT, "build", "sucai")

TRUTH = {  # file: (title, type, has paywall, masked)
    "01_work_summary_party.txt": ("2023年云溪县直机关党建工作总结", "工作总结", True, True),
    "02_speech_economic_meeting.txt": ("在云溪县2024年经济工作会议上的讲话", "讲话", True, False),
    "03_plan_living_environment.txt": ("柳河区2024年农村人居环境整治提升实施方案", "实施方案", True, False),
    "04_reflection_party_study.txt": ("学习党的二十大精神心得体会", "心得体会", False, True),
    "05_notice_holiday_duty.txt": ("关于做好2024年春节期间值班值守工作的通知", "通知", False, False),
    "06_regulation_river_lake.txt": ("青川市河湖保护管理办法", "法规", True, False),
    "07_town_government_report.txt": ("2024年石门镇人民政府工作报告", "工作报告", True, False),
    "08_speech_party_lecture.txt": ("在机关专题党课上的讲话", "讲话", True, True),
    "09_plan_cadre_training.txt": ("云溪县2024年干部教育培训工作计划", "计划", True, False),
    "10_summary_ecology.docx": ("东湖街道2023年生态环境保护工作总结", "工作总结", True, True),
    "11_reflection_village_work.txt": ("驻村工作心得体会", "心得体会", False, False),
    "12_news_volunteer_event.txt": ("云溪县开展“学雷锋·文明实践我先行”志愿服务活动", "新闻", False, False),
}
FORBIDDEN = ["##paid", "青藤", "墨池", "客服", "公众号", "【字号", "[复制链接]", "当前位置", "发布时间："]
D_BESIDE_HAN = re.compile(r"(?<![A-Za-z0-9])D(?![A-Za-z0-9])")


def main():
    failures = []
    with tempfile.TemporaryDirectory(prefix="sucai-examples-") as tmp:
        lib = os.path.join(tmp, "lib")
        p = subprocess.run([SUCAI, "--library", lib, "ingest", "--json", os.path.join(ROOT, "examples")],
                           capture_output=True, text=True, timeout=300)
        ids = {}
        for line in p.stdout.splitlines():
            r = json.loads(line)
            name = os.path.basename(r["file"])
            if r["status"] == "error":
                if name != "README.md":
                    failures.append("%s: %s" % (name, r["error"]))
            else:
                ids[name] = r["id"]
        for name, (title, typ, paid, masked) in TRUTH.items():
            if name not in ids:
                failures.append("%s: not ingested" % name)
                continue
            d = json.loads(subprocess.run([SUCAI, "--library", lib, "show", "--json", ids[name]],
                                          capture_output=True, text=True).stdout)
            text = d["free_text"] + d["paid_text"]
            if d["title"] != title:
                failures.append("%s: title %r" % (name, d["title"]))
            if not text.startswith(title + "\n"):
                failures.append("%s: text does not start with the title line" % name)
            if d["type"] != typ:
                failures.append("%s: type %r, want %r" % (name, d["type"], typ))
            if bool(d["paid_text"]) != paid:
                failures.append("%s: paid part %s" % (name, "missing" if paid else "unexpected"))
            for f in FORBIDDEN:
                if f in text:
                    failures.append("%s: %r left in the text" % (name, f))
            if D_BESIDE_HAN.search(text):
                failures.append("%s: a D is left in the text" % name)
            if masked and "党" not in text:
                failures.append("%s: masked 党 not restored" % name)
            if "\n\n" in text or text != "\n".join(l.strip() for l in text.split("\n")):
                failures.append("%s: blank or untrimmed lines in the text" % name)
            if name in ("07_town_government_report.txt", "09_plan_cadre_training.txt", "11_reflection_village_work.txt") \
                    and "墨池书斋" not in d["removed"]:
                failures.append("%s: the learned footer is not among the removed lines" % name)
            if name == "05_notice_holiday_duty.txt" and not text.endswith("柳河区人民政府办公室\n2024年1月30日"):
                failures.append("%s: the signature and date must stay: ends %r" % (name, text[-30:]))
            if name == "01_work_summary_party.txt" and not d["free_text"].endswith("下一步，我们将以"):
                failures.append("%s: free part ends %r" % (name, d["free_text"][-10:]))
            if name == "06_regulation_river_lake.txt":
                levels = [(h["level"], h["text"][:3]) for h in d["outline"]]
                if (1, "第一章") not in levels or (2, "第一条") not in levels:
                    failures.append("%s: outline levels %s" % (name, levels[:4]))
                if not d["free_text"].endswith("\n") or not d["paid_text"].startswith("第六条"):
                    failures.append("%s: the paywall is not at the start of 第六条" % name)
    for f in failures:
        print("FAIL:", f)
    if failures:
        return 1
    print("ok: %d examples" % len(TRUTH))
    return 0


if __name__ == "__main__":
    sys.exit(main())

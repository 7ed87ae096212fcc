"""The demo's posts and comments (Korean), by identity's demo customers, known here by the
names their ``AccountRegistered`` events carried."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_AUTHORS = ("김민지", "박지훈", "최서연")


@dataclass(frozen=True)
class DemoComment:
    author: int  # index into DEMO_AUTHORS
    body: str
    replies: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class DemoPrice:
    item: str
    price: int
    store: str
    url: str | None = None


@dataclass(frozen=True)
class DemoPost:
    board: str
    author: int
    title: str
    body: str
    tags: tuple[str, ...] = ()
    price: DemoPrice | None = None
    comments: tuple[DemoComment, ...] = ()


DEMO_POSTS = (
    DemoPost(
        "free", 0, "무지출 챌린지 7일차 인증합니다",
        "이번 주는 도시락 싸 다니고 커피는 회사 탕비실에서 해결했어요.\n\n"
        "일주일 동안 아낀 돈: 약 48,000원! 다들 무지출 팁 있으면 공유해 주세요.",
        ("무지출", "절약"),
        comments=(
            DemoComment(1, "대단해요! 저는 3일차에 배달앱 열었습니다…",
                        ((0, "배달앱은 지워 버리는 게 답이더라고요 ㅎㅎ"),)),
            DemoComment(2, "도시락 반찬 뭐 싸 가세요? 레시피 궁금해요."),
        ),
    ),
    DemoPost(
        "free", 1, "통신비 월 9,900원으로 줄인 후기",
        "알뜰폰으로 옮기고 데이터 11GB 요금제로 바꿨어요. 통화 품질은 차이를 못 느끼겠네요.\n"
        "비교는 https://www.smartchoice.or.kr 에서 했습니다.",
        ("통신비", "알뜰폰"),
        comments=(DemoComment(0, "저도 바꿔야겠어요. 약정 남은 건 어떻게 하셨어요?"),),
    ),
    DemoPost(
        "prices", 2, "생수 2L 12병 최저가 발견",
        "주말 특가라 내일까지만이래요. 배송비 무료 조건은 2만 원 이상.",
        ("생수", "특가"),
        price=DemoPrice("생수 2L x 12병", 6_900, "동네마트 온라인몰",
                        "https://example.com/deals/water-12"),
        comments=(DemoComment(1, "방금 주문했어요. 가격 맞네요!"),),
    ),
    DemoPost(
        "prices", 0, "무선 이어폰 역대가 떴어요",
        "카드 할인 포함 가격입니다. 색상은 화이트만 이 가격이에요.",
        ("이어폰", "전자기기"),
        price=DemoPrice("무선 이어폰 (화이트)", 39_000, "트워드 모바일"),
    ),
)  # fmt: skip

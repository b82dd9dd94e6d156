"""LaTeX math as readable Unicode: symbols, scripts, fractions, delimiters, environments, never a crash."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlcards.decks.loader import load_paths
from mlcards.markup import split_spans
from mlcards.paths import shipped_decks_dir
from mlcards.render import latex_fallback
from mlcards.render.latex_unicode import SUPPORTED_COMMANDS, latex_to_unicode, unsupported_commands

INLINE_CASES = [
    # Greek letters and letter-like symbols
    (r"\alpha + \beta = \gamma", "α + β = γ"),
    (r"\Gamma \Delta \Theta \Lambda \Xi \Pi \Sigma \Phi \Psi \Omega", "ΓΔΘΛΞΠΣΦΨΩ"),
    (r"\epsilon, \varepsilon, \vartheta, \varphi, \ell", "ε, ε, ϑ, φ, ℓ"),
    (r"\infty", "∞"),
    (r"\partial_x f + \nabla g", "∂ₓf + ∇g"),
    # binary operators and relations, spaced as TeX spaces them whatever the source did
    (r"a \cdot b \times c", "a · b × c"),
    (r"a\cdot b\times c", "a · b × c"),
    (r"x \le y \ge z \ne w", "x ≤ y ≥ z ≠ w"),
    (r"a \approx b \sim c \propto d", "a ≈ b ∼ c ∝ d"),
    (r"x \in A \notin B \subset C", "x ∈ A ∉ B ⊂ C"),
    (r"x \mapsto x^2", "x ↦ x²"),
    (r"p \Rightarrow q \to r", "p ⇒ q → r"),
    (r"a \pm b \mp c", "a ± b ∓ c"),
    (r"f \circ g", "f ∘ g"),
    (r"a \odot b \oplus c \otimes d", "a ⊙ b ⊕ c ⊗ d"),
    (r"\not= \not\in", "≠∉"),
    (r"r \mathrel{+}= (k-1)\cdot j", "r += (k − 1) · j"),
    # minus: U+2212, a sign where nothing stands to its left
    (r"-x", "−x"),
    (r"a - -b", "a − −b"),
    (r"b = -T", "b = −T"),
    (r"g = -\log(-\log u)", "g = −log(−log u)"),
    (r"\max - \min", "max − min"),
    (r"\min_\theta\; -\mathbb{E}_{z}[f]", "min_θ −𝔼_z[f]"),
    # big operators and named functions
    (r"\sum_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ"),
    (r"\prod_{k} a_k", "∏ₖ aₖ"),
    (r"\int_0^1 f(x)\,dx", "∫₀¹ f(x) dx"),
    (r"\oint", "∮"),
    (r"\sum_{l=1}^{L} (k_l - 1)", "∑ₗ₌₁ᴸ (kₗ − 1)"),
    (r"\log x + \exp(y)", "log x + exp(y)"),
    (r"\max_{w} f(w)", "max_w f(w)"),
    (r"\max_{i<j} (j-i)", "max_(i<j) (j − i)"),
    (r"\min(a, b)", "min(a, b)"),
    (r"\arg\max_i p_i", "arg maxᵢ pᵢ"),
    (r"\sup_{x} f \le \inf_{y} g", "supₓ f ≤ inf_y g"),
    (r"\lim_{n\to\infty} a_n", "lim_(n→∞) aₙ"),
    (r"\cos\theta - m", "cos θ − m"),
    (r"\sin^2 x + \cos^2 x = 1", "sin² x + cos² x = 1"),
    (r"\operatorname{softmax}(z)_i", "softmax(z)ᵢ"),
    (r"\operatorname{diag}\sigma^2_\phi(x)", "diag σᵩ²(x)"),
    (r"\mathrm{KL}(p\|q)", "KL(p‖q)"),
    (r"\text{if } x > 0", "if x > 0"),
    (r"\text{scale\_factor}", "scale_factor"),
    (r"\mathcal{L}_{\text{Medusa-1}}", "ℒ_(Medusa-1)"),
    # superscripts and subscripts: Unicode when every character has one, spelled out otherwise
    (r"x^2", "x²"),
    (r"x_{i}", "xᵢ"),
    (r"e^{-x}", "e⁻ˣ"),
    (r"W^{T}", "Wᵀ"),
    (r"x^{\top}", "xᵀ"),
    (r"p_{\theta}", "p_θ"),
    (r"x_{ij}", "xᵢⱼ"),
    (r"x_{t+1}", "xₜ₊₁"),
    (r"\sigma^2_\phi", "σᵩ²"),
    (r"x^{(1)}", "x⁽¹⁾"),
    (r"m_i^{new}", "mᵢⁿᵉʷ"),
    (r"D_K^2", "D_K²"),
    (r"z_{i,j}", "z_(i,j)"),
    (r"p_{\mathrm{data}}(x)", "p_data(x)"),
    (r"\nabla_\theta f", "∇_θ f"),
    (r"H_\text{out}", "Hₒᵤₜ"),
    (r"x'", "x′"),
    (r"h'^{\,k}", "h′ᵏ"),
    (r"90^\circ", "90°"),
    (r"D^*_G(x)", "D*_G(x)"),
    (r"\mathbb{R}^{n\times s}", "ℝ^(n×s)"),
    # fractions and roots
    (r"\frac{a}{b}", "a/b"),
    (r"\frac{a+b}{c}", "(a + b)/c"),
    (r"\frac{a}{b+c}", "a/(b + c)"),
    (r"\frac{1}{2N}", "1/(2N)"),
    (r"\frac{p(x)}{q(x)}", "p(x)/q(x)"),
    (r"\frac{\pi_k}{\sum_i\pi_i}", "πₖ/(∑ᵢ πᵢ)"),
    (r"\frac{\|x-G(z)\|^2}{2\sigma^2}", "‖x − G(z)‖²/(2σ²)"),
    (r"\frac{\frac{a}{b}}{c}", "(a/b)/c"),
    (r"\tfrac12\mathrm{KL}(p\|m)", "1/2 KL(p‖m)"),
    (r"x = -\frac{b}{w}.", "x = −b/w."),
    (r"\sqrt{x}", "√x"),
    (r"\sqrt{x+1}", "√(x + 1)"),
    (r"\sqrt[3]{x}", "∛x"),
    (r"\sqrt[n]{x}", "ⁿ√x"),
    (r"1/\sqrt{\text{fan\_in}}", "1/√fan_in"),
    (r"\binom{n}{k}", "C(n, k)"),
    # alphabets and accents
    (r"\mathbb{R}^n", "ℝⁿ"),
    (r"\mathbb{N}, \mathbb{Z}, \mathbb{Q}, \mathbb{C}, \mathbb{E}", "ℕ, ℤ, ℚ, ℂ, 𝔼"),
    (r"\mathcal{L}(\theta) + \mathcal{N}(0, I)", "ℒ(θ) + 𝒩(0, I)"),
    (r"\mathbf{x} + \boldsymbol{\mu}", "x + μ"),
    (r"\hat{y}, \bar{x}, \tilde{m}, \vec{v}, \dot{q}", "ŷ, x̄, m̃, v⃗, q̇"),
    (r"\bar A^2", "Ā²"),
    (r"\overline{AB}", "A̅B̅"),
    (r"\overrightarrow{AB}", "AB⃗"),
    # delimiters: sizing dropped, pairs kept
    (r"\left( \frac{a}{b} \right)", "(a/b)"),
    (r"\big( x \big) \Big[ y \Big] \bigg\{ z \bigg\}", "(x)[y]{z}"),
    (r"\| x \|_2", "‖x‖₂"),
    (r"\lVert x \rVert", "‖x‖"),
    (r"\lvert a - b\rvert < \varepsilon", "|a − b| < ε"),
    (r"\langle u, v \rangle", "⟨u, v⟩"),
    (r"\lfloor x \rfloor + \lceil y \rceil", "⌊x⌋ + ⌈y⌉"),
    (r"\left.\frac{a}{b}\right|_{x=0}", "a/b|ₓ₌₀"),
    (r"\{1, 2, 3\}", "{1, 2, 3}"),
    # spacing commands
    (r"a\,b\;c\quad d\qquad e\!f\ g", "a b c  d    ef g"),
    (r"\min\!\Big(1, x\Big)", "min(1, x)"),
    # environments on one line
    (r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}", "{1, x > 0; 0, otherwise}"),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", "(a b; c d)"),
    (r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}", "[1 0; 0 1]"),
    (r"\begin{aligned} a &= b + c \\ &= d \end{aligned}", "a = b + c; = d"),
    (r"a = b \\ c = d", "a = b; c = d"),
    # unknown commands and odd input stay readable
    (r"\foo x + \bar y", "foo x + ȳ"),
    (r"\unknowncommand{arg}", "unknowncommand arg"),
    (r"\#\$\%\&\_", "#$%&_"),
    (r"x^", "x"),
    (r"\frac{a", "a/"),
    (r"a}b{", "ab"),
    (r"\begin{cases} a", "{a}"),
    ("\\", ""),
    ("", ""),
]

# Formulas as the shipped decks write them.
DECK_CASES = [
    (r"s\,(\cos\theta_{y} - m)", "s (cos θ_y − m)"),
    (r"s\cos(\theta_{y} + m), \qquad \text{other classes: } s\cos\theta_j", "s cos(θ_y + m),    other classes: s cos θⱼ"),
    (r"L = -\log \frac{e^{s\cos\theta_{y_i}}}{\sum_{j} e^{s\cos\theta_j}}", "L = −log(e^(s cos θ_yᵢ)/(∑ⱼ e^(s cos θⱼ)))"),
    (r"W_j^\top x + b_j = \lVert W_j\rVert\,\lVert x\rVert \cos\theta_j + b_j", "Wⱼᵀx + bⱼ = ‖Wⱼ‖ ‖x‖ cos θⱼ + bⱼ"),
    (r"2^{15}\times(2-2^{-10})", "2¹⁵ × (2 − 2⁻¹⁰)"),
    (r"(-1)^s \cdot 2^{\,e - \text{bias}} \cdot (1.m)_2", "(−1)ˢ · 2ᵉ⁻ᵇⁱᵃˢ · (1.m)₂"),
    (r"S \cdot \max|g| < 65504", "S · max |g| < 65504"),
    (r"m(x)=\max\big(m(x^{(1)}),m(x^{(2)})\big)", "m(x) = max(m(x⁽¹⁾), m(x⁽²⁾))"),
    (
        r"\ell(x)=e^{m(x^{(1)})-m(x)}\,\ell(x^{(1)})+e^{m(x^{(2)})-m(x)}\,\ell(x^{(2)})",
        "ℓ(x) = e^(m(x⁽¹⁾)−m(x)) ℓ(x⁽¹⁾) + e^(m(x⁽²⁾)−m(x)) ℓ(x⁽²⁾)",
    ),
    (r"\ell_i^{new}=e^{m_i-m_i^{new}}\ell_i", "ℓᵢⁿᵉʷ = e^(mᵢ−mᵢⁿᵉʷ)ℓᵢ"),
    (
        r"\mathcal{L}(\theta,\phi;x) = \mathbb{E}_{q_\phi(z\mid x)}\big[\log p_\theta(x\mid z)\big] - \mathrm{KL}\big(q_\phi(z\mid x)\,\|\,p(z)\big)",
        "ℒ(θ, φ; x) = 𝔼_(qᵩ(z|x))[log p_θ(x | z)] − KL(qᵩ(z | x) ‖ p(z))",
    ),
    (
        r"W(P,Q) = \inf_{\gamma\in\Pi(P,Q)} \mathbb{E}_{(x,y)\sim\gamma}\big[\|x-y\|\big]",
        "W(P, Q) = inf_(γ∈Π(P,Q)) 𝔼_((x,y)∼γ)[‖x − y‖]",
    ),
    (
        r"W(P,Q) = \sup_{\|f\|_L\le 1}\; \mathbb{E}_{x\sim P}[f(x)] - \mathbb{E}_{x\sim Q}[f(x)]",
        "W(P, Q) = sup_(‖f‖_L≤1) 𝔼_(x∼P)[f(x)] − 𝔼_(x∼Q)[f(x)]",
    ),
    (
        r"\min_G \max_D V(D,G) = \mathbb{E}_{x\sim p_{\mathrm{data}}}\big[\log D(x)\big]",
        "min_G max_D V(D, G) = 𝔼_(x∼p_data)[log D(x)]",
    ),
    (
        r"y_i = \frac{\exp\big((\log\pi_i+g_i)/\tau\big)}{\sum_{j}\exp\big((\log\pi_j+g_j)/\tau\big)}",
        "yᵢ = exp((log πᵢ + gᵢ)/τ)/(∑ⱼ exp((log πⱼ + gⱼ)/τ))",
    ),
    (
        r"A = \frac{1}{2}\left|\sum_{i=1}^{n} \left(x_i\, y_{i+1} - x_{i+1}\, y_i\right)\right|",
        "A = 1/2 |∑ᵢ₌₁ⁿ (xᵢ yᵢ₊₁ − xᵢ₊₁ yᵢ)|",
    ),
    (r"d = \frac{\lvert (b - a) \times (p - a) \rvert}{\lvert b - a \rvert}", "d = |(b − a) × (p − a)|/|b − a|"),
    (r"\text{maxgap} \ge \left\lceil \frac{\max - \min}{n - 1} \right\rceil", "maxgap ≥ ⌈(max − min)/(n − 1)⌉"),
    (
        r"(*,\ C \cdot r^2,\ H,\ W) \;\longrightarrow\; (*,\ C,\ H \cdot r,\ W \cdot r)",
        "(*, C · r², H, W) ⟶ (*, C, H · r, W · r)",
    ),
    (r"9 \cdot 245 \cdot 256 = 564{,}480", "9 · 245 · 256 = 564,480"),
    (r"\text{id} = \text{Hash}(\text{value}) \bmod \text{hash\_bucket\_size}", "id = Hash(value) mod hash_bucket_size"),
    (r"E[\text{pairs}] = \binom{n}{2}\frac{1}{B}", "E[pairs] = C(n, 2) 1/B"),
    (r"\overrightarrow{AB} = B - A", "AB⃗ = B − A"),
    (
        r"P(\text{out}=x)=\underbrace{q(x)\min\!\Big(1,\tfrac{p(x)}{q(x)}\Big)}_{\text{accepted}}",
        "P(out = x) = (q(x) min(1, p(x)/q(x)))_accepted",
    ),
    (r"\bar K=\big(\bar C\bar B,\ \bar C\bar A\bar B,\ \dots\big)\in\mathbb{R}^L", "K̄ = (C̄B̄, C̄ĀB̄, …) ∈ ℝᴸ"),
    (r"z = \mu_\phi(x) + \sigma_\phi(x)\odot\epsilon", "z = μᵩ(x) + σᵩ(x) ⊙ ε"),
]

DISPLAY_CASES = [
    (
        r"A_{nk}=-\begin{cases}(2n+1)^{1/2}(2k+1)^{1/2} & n>k\\ n+1 & n=k\\ 0 & n<k\end{cases}",
        "       ⎧ (2n + 1)^(1/2)(2k + 1)^(1/2)  n > k\n"
        "Aₙₖ = −⎨ n + 1                         n = k\n"
        "       ⎩ 0                             n < k",
    ),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", "⎛ a  b ⎞\n⎝ c  d ⎠"),
    (r"\begin{bmatrix} 1 & 10 \\ 100 & 1 \end{bmatrix}", "⎡  1   10 ⎤\n⎣ 100  1  ⎦"),
    (r"\begin{aligned} a &= b + c \\ &= d \end{aligned}", "a = b + c\n  = d"),
    (r"a = b \\ c = d", "a = b\nc = d"),
    (r"x = 1 \\", "x = 1"),
    (r"s\,(\cos\theta_{y} - m)", "s (cos θ_y − m)"),
]


@pytest.mark.parametrize(("source", "expected"), INLINE_CASES + DECK_CASES)
def test_inline_math_reads_as_unicode(source: str, expected: str) -> None:
    assert latex_to_unicode(source) == expected


@pytest.mark.parametrize(("source", "expected"), DISPLAY_CASES)
def test_display_math_puts_environment_rows_on_their_own_lines(source: str, expected: str) -> None:
    assert latex_to_unicode(source, display=True) == expected


def test_source_spacing_does_not_change_the_output() -> None:
    assert latex_to_unicode(r"a+b=c") == latex_to_unicode(r"a + b = c") == latex_to_unicode(r"a  +  b  =  c")


def test_unsupported_commands_are_named_and_supported_ones_are_not() -> None:
    assert unsupported_commands(r"\foo + \alpha \frac{a}{b} \mathbb{R} \barbaz") == {"foo", "barbaz"}


@given(st.text())
@settings(max_examples=400, deadline=None)
def test_any_text_converts_without_raising(source: str) -> None:
    assert isinstance(latex_to_unicode(source), str)
    assert isinstance(latex_to_unicode(source, display=True), str)


LATEX_PIECES = st.sampled_from(
    [
        *(f"\\{name}" for name in sorted(SUPPORTED_COMMANDS)),
        *"{}{}{}^_&$[]()|',.-+=<>~ ",
        "\\\\",
        "\\,",
        "\\!",
        "\\|",
        "\\{",
        "\\}",
        "x",
        "12",
        "\\begin{cases}",
        "\\end{cases}",
        "\\begin{pmatrix}",
        "\\end{aligned}",
    ]
)


@given(st.lists(LATEX_PIECES, max_size=40).map("".join))
@settings(max_examples=600, deadline=None)
def test_any_sequence_of_latex_pieces_converts_without_raising(source: str) -> None:
    assert isinstance(latex_to_unicode(source), str)
    assert isinstance(latex_to_unicode(source, display=True), str)


def test_deeply_nested_braces_do_not_crash() -> None:
    assert latex_to_unicode("{" * 5000 + "x" + "}" * 5000) in ("x", "{" * 5000 + "x" + "}" * 5000)


def _shipped_math_spans() -> list[tuple[str, str, bool]]:
    result = load_paths([shipped_decks_dir()])
    spans = []
    for deck in result.decks:
        for card in deck.cards:
            for field in (card.front, card.back, card.text, card.extra):
                for span in split_spans(field):
                    if span.kind in ("inline_math", "display_math"):
                        spans.append((f"{deck.deck_id}/{card.card_id}", span.content, span.kind == "display_math"))
    return spans


def test_every_command_in_the_shipped_decks_is_supported() -> None:
    unsupported = {(where, name) for where, source, _ in _shipped_math_spans() for name in unsupported_commands(source)}
    assert not unsupported


def test_no_backslash_command_survives_in_any_shipped_formula() -> None:
    spans = _shipped_math_spans()
    assert len(spans) > 500
    leftovers = [
        (where, source, output)
        for where, source, display in spans
        if re.search(r"\\[A-Za-z]", output := latex_to_unicode(source, display=display))
    ]
    assert not leftovers


@pytest.mark.parametrize(
    ("latex", "shown"),
    [
        (r"e^{z_i}", "e^(zᵢ)"),
        (r"e^{\lambda t}", "e^(λt)"),
        (r"\log\frac{a}{b}", "log(a/b)"),
        (r"\exp\frac{x}{2}", "exp(x/2)"),
        (r"x^{2n}", "x²ⁿ"),
        (r"p_{data}", "p_data"),
    ],
    ids=["indexed-exponent", "product-exponent", "log-of-fraction", "exp-of-fraction", "unicode-exponent", "word-subscript"],
)
def test_what_cannot_be_raised_in_unicode_is_grouped_so_it_reads_one_way(latex: str, shown: str):
    assert latex_to_unicode(latex) == shown


@pytest.mark.parametrize("command", ["leqq", "therefore", "twoheadleftarrow", "boxminus"])
def test_a_symbol_our_tables_lack_is_drawn_from_pylatexenc_not_named(command: str):
    assert command not in SUPPORTED_COMMANDS  # not ours: pylatexenc's table lends it
    shown = latex_to_unicode(f"a \\{command} b")
    found = re.fullmatch(r"a (\S) b", shown)  # one symbol, spaced as a relation or an operator
    assert found is not None and not found.group(1).isascii(), shown
    assert unsupported_commands(f"a \\{command} b") == set()


def test_a_borrowed_symbols_spacing_class_follows_its_unicode_character():
    assert latex_fallback.kind_of("≦") == "rel"
    assert latex_fallback.kind_of("↞") == "rel"
    assert latex_fallback.kind_of("⊟") == "bin"
    assert latex_fallback.kind_of("ℶ") == "ord"


def test_rendering_every_shipped_formula_never_loads_pylatexenc():
    """Our own tables cover the shipped decks: pylatexenc is imported only for a command they lack."""
    probe = (
        "import sys\n"
        "from tests.test_latex_unicode import _shipped_math_spans\n"
        "from mlcards.render.latex_unicode import latex_to_unicode, unsupported_commands\n"
        "for _, source, display in _shipped_math_spans():\n"
        "    latex_to_unicode(source, display=display)\n"
        "    unsupported_commands(source)\n"
        "print('pylatexenc' in sys.modules)\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[1]
    )
    assert finished.stdout.strip() == "False"

/**
 * 課程內容（繁體中文，臺灣用語）。區塊與數學式和英文版一一對應（content.test.ts 會檢查）。
 */
import type { LessonSet } from './content.ts';

export const LESSONS_ZH_HANT: LessonSet = {
  nonconvex: {
    title: '非凸性與局部極小值',
    lead: '神經網路的損失函數不是一個碗，而是有許多山谷；梯度下降最後停在哪裡，取決於從哪裡出發。',
    blocks: [
      {
        kind: 'p',
        text: '若任兩點 $a$、$b$ 之間的弦都不會低於函數圖形，這個函數就是**凸函數**：',
      },
      {
        kind: 'math',
        tex: 'f\\bigl(\\lambda a + (1-\\lambda) b\\bigr) \\le \\lambda f(a) + (1-\\lambda) f(b), \\quad \\lambda \\in [0, 1]',
      },
      {
        kind: 'p',
        text: '對凸的損失函數而言，每個局部極小值都是全域極小值，從哪裡出發都一樣。神經網路的損失函數並不是凸的：光是對調兩個隱藏單元，就會得到另一個同樣好的極小值，此外還有鞍點和較差的山谷。',
      },
      {
        kind: 'p',
        text: '圖中是 Himmelblau 函數 $f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$：有四個極小值，都是 $f = 0$；在 $(-0.27, -0.92)$ 附近有一個局部極大值，四個極小值之間還有四個鞍點。',
      },
      {
        kind: 'note',
        text: '會走到哪個極小值，由初始化決定，在訓練中也就是由隨機種子決定。比較不同的訓練配方時，請先用幾個種子重複實驗，再相信兩者的差異。',
      },
    ],
    tryThis: '從四個角落出發',
    expect:
      '四條 SGD 路徑（$\\eta = 0.01$）從 $(\\pm 4, \\pm 4)$ 出發，各自停在不同的極小值：同一個函數、同一個最佳化器，只是起點不同。',
  },

  saddles: {
    title: '高維空間中的鞍點',
    lead: '梯度為零的地方是極小值、極大值還是鞍點，由 Hessian 矩陣決定；而在高維空間裡，鞍點才是常態。',
    blocks: [
      {
        kind: 'p',
        text: '在臨界點（$\\nabla f = 0$）看 Hessian 矩陣 $H$ 的特徵值：全為正是極小值，全為負是極大值，有正有負就是**鞍點**。將游標移到地圖上，可以看到特徵方向，以及「極小值／極大值／鞍點」的標示。',
      },
      {
        kind: 'math',
        tex: 'f = x^2 - y^2, \\quad \\nabla f = (2x, -2y), \\quad H = \\operatorname{diag}(2, -2)',
      },
      {
        kind: 'p',
        text: '有 $n$ 個參數，就有 $n$ 個特徵值。如果每個特徵值的正負像擲硬幣，只有 $2^{-n}$ 比例的臨界點會是極小值；在實際的神經網路中，損失較高處的臨界點絕大多數是鞍點（Dauphin 等人，2014）。',
      },
      {
        kind: 'p',
        text: '圖中的起點是 $(1, 0)$，正好在山脊上。這裡 $\\partial f/\\partial y = -2y = 0$，所以單純的梯度下降會讓 $y = 0$ 永遠保持不變，一路滑進梯度為零的鞍點。梯度雜訊（SGD）和動量能把路徑推離山脊。',
      },
    ],
    tryThis: '加入梯度雜訊',
    expect:
      '單純的 GD 依然停在鞍點 $(0, 0)$。加了雜訊 $\\sigma = 0.01$ 的路徑被推離山脊，之後 $|y|$ 每步乘上 $1 + 2\\eta = 1.1$：沿著 $\\pm y$ 方向離開，起初很慢，接著越來越快。',
  },

  'flat-sharp': {
    title: '平坦與尖銳的極小值',
    lead: '兩個極小值的損失可能幾乎相同、曲率卻差很多，而學習率決定了梯度下降能停留在哪一個。',
    blocks: [
      {
        kind: 'p',
        text: '圖中的 $f = 0.05x^2 - e^{-(x-1)^2/0.02} - e^{-(x+1.5)^2} + y^2$ 在 $x \\approx 1$ 附近有一個**尖銳**的井（曲率 $\\approx 100$），在 $x \\approx -1.5$ 附近有一個**平坦**的井（曲率 $\\approx 2$）；尖銳的井還稍微深一點。',
      },
      {
        kind: 'p',
        text: '在曲率為 $h$ 的二次函數上，學習率 $\\eta$ 的一步梯度下降會把到谷底的距離乘上 $1 - \\eta h$。因此梯度下降只能停在**尖銳度** $\\lambda_{\\max}$（Hessian 矩陣最大的特徵值）滿足下式的地方：',
      },
      {
        kind: 'math',
        tex: '\\eta < \\frac{2}{\\lambda_{\\max}}, \\quad \\lambda_{\\max} = \\max_{\\|v\\| = 1} v^\\top H v',
      },
      {
        kind: 'p',
        text: '平坦的極小值能容忍權重的擾動，泛化能力通常也較好。大批次訓練容易落入尖銳的極小值（Keskar 等人，2017）；用濾波器正規化的損失切片，就能看出兩者的差別（Li 等人，2018）。',
      },
      {
        kind: 'note',
        text: '在「**訓練 CGCNN**」檢視中，「**損失地形**」面板會估計真實 CGCNN 的 $\\lambda_{\\max}$（以 Hessian 向量積做冪迭代），並畫出權重附近經濾波器正規化的二維切片。',
      },
    ],
    tryThis: '使用大學習率（0.1）',
    expect:
      '$\\eta = 0.005$ 的路徑留在尖銳的井裡。$\\eta = 0.1 > 2/100$ 時尖銳的井不穩定：路徑被甩出去，停在平坦的井裡，因為那裡 $0.1 < 2/2$ 仍然穩定。',
  },

  'gd-sgd': {
    title: 'GD、SGD 與小批次',
    lead: '全批次梯度精確但昂貴；小批次則提供便宜但帶有雜訊的估計。',
    blocks: [
      {
        kind: 'p',
        text: '損失是 $N$ 個樣本的平均，$L = \\frac{1}{N}\\sum_i \\ell_i$。隨機抽取 $B$ 個樣本 $k_1, \\dots, k_B$ 組成小批次，就能估計它的梯度：',
      },
      {
        kind: 'math',
        tex: '\\hat g = \\frac{1}{B}\\sum_{i=1}^{B} \\nabla \\ell_{k_i}, \\quad \\mathbb{E}[\\hat g] = \\nabla L, \\quad \\operatorname{Var}[\\hat g] \\propto \\frac{1}{B}',
      },
      {
        kind: 'p',
        text: '這個估計是不偏的，雜訊的標準差 $\\propto 1/\\sqrt{B}$。圖中在精確梯度上加入標準差 $\\sigma/\\sqrt{B}$ 的高斯雜訊，$\\sigma = 1$：全批次 GD 沒有雜訊，$B = 16$ 是 $\\sigma/4$，$B = 1$ 是 $\\sigma$。',
      },
      {
        kind: 'p',
        text: '雜訊在極小值處並不會消失：學習率 $\\eta$ 固定時，SGD 最後會在極小值周圍的**雜訊球**裡打轉，$\\eta$ 和 $\\sigma$ 越大，球越大；在曲率為 $\\lambda$ 的二次函數上，半徑約為 $\\sigma\\sqrt{\\eta/(2\\lambda)}$。這正是要讓學習率衰減的原因之一。',
      },
      {
        kind: 'note',
        text: '一輪（epoch）是把 $N$ 個樣本全部看過一次，共 $N/B$ 步：小批次走很多便宜但有雜訊的步，大批次走少數精確但昂貴的步。',
      },
    ],
    tryThis: '比較不同批次大小',
    expect:
      '三條路徑（$\\eta = 0.1$）平均而言走向相同：全批次 GD 是一條平滑的曲線，$B = 16$ 在它附近晃動，$B = 1$ 則在山谷兩側來回鋸齒。100 步內沒有一條抵達極小值，因為在平緩的 $x$ 方向上，$\\eta = 0.1$ 走得很慢。',
  },

  'learning-rate': {
    title: '學習率：太小、剛好、太大',
    lead: '學習率是最重要的超參數：太小就幾乎不動，太大訓練就會發散。',
    blocks: [
      {
        kind: 'p',
        text: '在二次函數上，Hessian 矩陣的每個特徵方向各自獨立演變：沿著特徵值為 $\\lambda$ 的方向，一步梯度下降會把誤差 $e$ 乘上 $1 - \\eta\\lambda$。',
      },
      {
        kind: 'math',
        tex: 'e_{t+1} = (1 - \\eta\\lambda)\\, e_t, \\quad |1 - \\eta\\lambda| < 1 \\iff 0 < \\eta < \\frac{2}{\\lambda}',
      },
      {
        kind: 'p',
        text: '圖中的 $f = 0.1x^2 + 2y^2$ 沿 $x$ 方向 $\\lambda = 0.2$，沿 $y$ 方向 $\\lambda = 4$，所以 $\\eta$ 必須小於 $2/4 = 0.5$：陡峭的方向決定上限，平緩的方向決定速度。',
      },
      {
        kind: 'list',
        items: [
          '$\\eta = 0.01$：沿 $x$ 方向每步只乘上 $1 - 0.002$，路徑幾乎不動。',
          '$\\eta = 0.3$：沿 $x$ 方向乘上 $0.94$，沿 $y$ 方向乘上 $-0.2$，先快速鋸齒幾下，再穩定地滑向極小值。',
          '$\\eta = 0.55$：沿 $y$ 方向乘上 $1 - 2.2 = -1.2$，路徑在山谷兩側來回彈跳，振幅越來越大，最後發散。',
        ],
      },
      {
        kind: 'note',
        text: '真實網路的 $\\lambda$ 是未知的。「**訓練 CGCNN**」檢視中的**學習率範圍測試**（Smith，2017）會逐步調高學習率，找出損失下降最快與開始發散的位置。',
      },
    ],
    tryThis: '三種學習率',
    expect:
      '$\\eta = 0.01$ 走了 100 步幾乎沒動，$\\eta = 0.3$ 抵達極小值，$\\eta = 0.55$ 則沿 $y$ 方向振盪、振幅越來越大，直到發散（表格會列出在第幾步）。',
  },

  momentum: {
    title: '動量',
    lead: '動量會累積過去的梯度：方向一致時加速，方向來回翻轉時抑制鋸齒。',
    blocks: [
      {
        kind: 'p',
        text: 'PyTorch 中動量為 $\\mu$ 的 SGD 會維護一個速度 $v$（重球法）：',
      },
      {
        kind: 'math',
        tex: 'v_{t+1} = \\mu v_t + g_t, \\quad \\theta_{t+1} = \\theta_t - \\eta\\, v_{t+1}',
      },
      {
        kind: 'p',
        text: '當梯度方向保持不變，$v$ 會增長到接近 $g/(1-\\mu)$：有效步長是 $\\eta/(1-\\mu)$，$\\mu = 0.9$ 時是 $\\eta$ 的十倍。橫越狹窄山谷時，梯度每步都改變正負號，各步的貢獻大多互相抵消，振盪因此被抑制。',
      },
      {
        kind: 'p',
        text: '**Nesterov** 動量改用 $g_t + \\mu v_{t+1}$ 而不是 $v_{t+1}$ 來更新：先往前看一步，速度衝過頭時能更早煞車。',
      },
      {
        kind: 'note',
        text: '速度大約記得最近 $1/(1-\\mu)$ 步，所以 $\\mu$ 很大時，路徑會先衝過頭再擺回來，然後才停下。',
      },
    ],
    tryThis: '加入動量 0.9',
    expect:
      '動量路徑（$\\eta = 0.2$、$\\mu = 0.9$）沿平緩的 $x$ 方向快速前進，衝過極小值後再擺回來；即使如此，表格顯示它抵達極小值所需的步數仍比 $\\eta = 0.3$ 的單純 SGD 少。',
  },

  adaptive: {
    title: '自適應方法：Adagrad、RMSprop、Adam',
    lead: '自適應方法讓每個參數都有自己的步長，依它自己過去梯度的大小來縮放。',
    blocks: [
      {
        kind: 'p',
        text: '這三種方法都把梯度逐個座標除以過去梯度的均方根（$g^2$ 是逐元素平方，$\\varepsilon$ 用來避免除以零）：',
      },
      {
        kind: 'list',
        items: [
          '**Adagrad**：$G \\leftarrow G + g^2$，$\\theta \\leftarrow \\theta - \\eta\\, g/(\\sqrt{G} + \\varepsilon)$。累加值只增不減，所以步長會一直縮小。',
          '**RMSprop**：$v \\leftarrow \\alpha v + (1-\\alpha) g^2$，$\\theta \\leftarrow \\theta - \\eta\\, g/(\\sqrt{v} + \\varepsilon)$。移動平均（$\\alpha = 0.99$）會逐漸遺忘舊的梯度。',
          '**Adam**：$g$ 的移動平均 $m$ 與 $g^2$ 的移動平均 $v$，並修正它們從零開始造成的偏差：',
        ],
      },
      {
        kind: 'math',
        tex: '\\begin{aligned} m &\\leftarrow \\beta_1 m + (1-\\beta_1)\\, g, & \\hat m &= m/(1-\\beta_1^t), \\\\ v &\\leftarrow \\beta_2 v + (1-\\beta_2)\\, g^2, & \\hat v &= v/(1-\\beta_2^t), \\\\ \\theta &\\leftarrow \\theta - \\eta\\, \\hat m/(\\sqrt{\\hat v} + \\varepsilon) \\end{aligned}',
      },
      {
        kind: 'p',
        text: '**AdamW** 把權重衰減和這些統計量分開：直接縮小權重 $\\theta \\leftarrow \\theta(1 - \\eta\\lambda)$，而不是把 $\\lambda\\theta$ 加進 $g$。',
      },
      {
        kind: 'p',
        text: '由於每個座標都除以自己的梯度尺度，陡峭的 $y$ 方向和平緩的 $x$ 方向會以差不多的速度前進：Adam 和 Adagrad 的第一步在每個座標上都是 $\\approx \\eta\\,\\operatorname{sign}(g)$。',
      },
    ],
    tryThis: '加入 Adagrad、RMSprop 與 Adam',
    expect:
      '三條自適應路徑一開始都沿對角線前進，$x$ 和 $y$ 的步長相同，而不像 SGD 先沿陡峭的 $y$ 壁滑下；在這裡，它們抵達極小值所需的步數都比 SGD 少（見表格）。',
  },

  onecycle: {
    title: 'OneCycle 與超收斂',
    lead: 'OneCycle 先把學習率暖身到很高的峰值，再退火到遠低於起始值，動量則反方向變化。',
    blocks: [
      {
        kind: 'p',
        text: 'PyTorch 的 OneCycleLR 從 max_lr/25（div_factor）開始，在前 30 % 的步數（pct_start）升到 max_lr，之後降到起始值除以 $10^4$（final_div_factor）。在從 $\\eta_a$ 變到 $\\eta_b$ 的一個階段中，進度 $p$ 從 0 到 1：',
      },
      {
        kind: 'math',
        tex: '\\eta(p) = \\eta_b + (\\eta_a - \\eta_b)\\,\\frac{1 + \\cos(\\pi p)}{2}',
      },
      {
        kind: 'p',
        text: '動量反向循環，0.95 → 0.85 → 0.95：學習率高的時候，降低動量可以壓住有效步長 $\\eta/(1-\\mu)$。',
      },
      {
        kind: 'p',
        text: 'Smith 與 Topin（2017）發現，一個短而峰值很高的循環，能用少得多的訓練輪數完成訓練，稱為**超收斂**；大學習率同時也有正則化的效果。',
      },
      {
        kind: 'note',
        text: '「**訓練 CGCNN**」檢視中的「**訓練配方**」面板使用的正是 PyTorch 的 OneCycleLR，預覽圖會畫出這次訓練預定的學習率與動量。',
      },
    ],
    tryThis: '超收斂：max_lr = 1',
    expect:
      '峰值在第 29 步（100 步的 30 %）升到 1，起始值是 $0.04$，結束時是 $0.04/10^4 = 4 \\times 10^{-6}$。動量曲線不變：它只取決於階段。',
  },

  clipping: {
    title: '梯度裁剪',
    lead: '裁剪會限制梯度的長度，讓一個陡峭的地方沒辦法把權重甩到地形的另一頭。',
    blocks: [
      {
        kind: 'p',
        text: 'Rosenbrock 山谷 $f = (1-x)^2 + 100(y - x^2)^2$ 的谷壁很陡。從 $(-1.5, 2)$ 出發、$\\eta = 0.004$ 的 SGD（是極小值處上限 $2/\\lambda_{\\max} \\approx 0.002$ 的兩倍）會衝過谷壁、落在更陡的地方，幾步之內就發散成 NaN。',
      },
      {
        kind: 'math',
        tex: 'c = \\min\\left(1, \\frac{\\text{max\\_norm}}{\\|g\\|_2 + 10^{-6}}\\right), \\quad \\hat g = c\\, g',
      },
      {
        kind: 'p',
        text: '這就是 PyTorch 的 clip_grad_norm_：$\\|g\\|_2$ 是把**所有**參數合在一起計算的範數（全域範數），而且只改變長度、不改變方向。每一步的長度都不超過 $\\eta \\cdot \\text{max\\_norm}$。',
      },
      {
        kind: 'note',
        text: '裁剪能限制學習率過大造成的傷害，但不能修正學習率本身。訓練時，實驗室會畫出裁剪前後的 $\\|g\\|$，以及被裁剪步數的比例。',
      },
    ],
    tryThis: '將梯度裁剪到 max_norm = 100',
    expect:
      '路徑不再發散：大約一半的步被裁剪到最多 $0.004 \\cdot 100 = 0.4$，路徑落進山谷，沿著谷底朝極小值 $(1, 1)$ 前進，但 100 步內還沒有抵達。',
  },

  huber: {
    title: 'Huber 損失',
    lead: 'Huber 損失對小殘差是二次的、對大殘差是線性的，因此單一的巨大誤差無法主導梯度。',
    blocks: [
      {
        kind: 'math',
        tex: '\\text{Huber}_\\delta(e) = \\begin{cases} \\tfrac{1}{2} e^2 & |e| \\le \\delta \\\\ \\delta\\left(|e| - \\tfrac{1}{2}\\delta\\right) & |e| > \\delta \\end{cases}',
      },
      {
        kind: 'p',
        text: '它的梯度是把殘差 $e$ 裁剪到 $[-\\delta, \\delta]$；平方誤差則以 $2e$ 拉動（PyTorch 的 MSELoss，對批次取平均）：',
      },
      {
        kind: 'math',
        tex: '\\frac{\\partial\\, \\text{Huber}_\\delta}{\\partial e} = \\max\\bigl(-\\delta, \\min(e, \\delta)\\bigr), \\quad \\frac{\\partial\\, e^2}{\\partial e} = 2e',
      },
      {
        kind: 'p',
        text: '在 $[-\\delta, \\delta]$ 之內，Huber 是平方誤差的一半；之外則像 $\\delta|e|$ 一樣線性成長。$\\delta$ 應選在「很大但真實」的殘差大小附近。',
      },
      {
        kind: 'note',
        text: 'PyTorch 的 HuberLoss(δ) 等於 δ · SmoothL1Loss(β = δ)。兩者只差這個倍數，但比較學習率時這個倍數很重要。',
      },
    ],
    tryThis: '加入黑天鵝殘差（e = 10）',
    expect:
      '用 MSE 時，單一殘差 $e = 10$ 以 $2e = 20$ 拉動，一般殘差只有約 $0.5$，它占了總梯度約三分之二。用 Huber（$\\delta = 1$）時，它的拉力被限制在 $1$，占比降到五分之一以下。',
  },

  outliers: {
    title: '移除離群值與黑天鵝',
    lead: '移除一筆資料之前，先問它是罕見但真實的數值（黑天鵝），還是失敗的計算。',
    blocks: [
      {
        kind: 'p',
        text: '一般的 $z$ 分數以標準差為單位，衡量與平均值的距離；穩健的版本改用中位數與中位數絕對偏差 $\\text{MAD} = \\operatorname{median}|y_i - \\operatorname{median}(y)|$：',
      },
      {
        kind: 'math',
        tex: 'z = \\frac{y - \\bar y}{\\sigma}, \\quad z_{\\text{MAD}} = \\frac{y - \\operatorname{median}(y)}{1.4826 \\cdot \\text{MAD}}',
      },
      {
        kind: 'p',
        text: '係數 $1.4826$ 讓兩者在常態資料上一致，兩種過濾器都保留 $|z| \\le 3$ 的資料。但平均值和 $\\sigma$ 是連同離群值一起算的：一群離群值會拉動平均值、撐大 $\\sigma$，直到它們看起來很正常，這就是**遮蔽效應**。中位數與 MAD 則幾乎不受少數離群值影響。',
      },
      {
        kind: 'list',
        items: [
          '**黑天鵝**：物理上真實的極端值，例如不尋常但正確的化合物。應該保留，可用 Huber 損失限制它的拉力。',
          '**DFT 失敗**：未收斂或出錯的計算。應該移除。',
        ],
      },
      {
        kind: 'note',
        text: '刪除之前先檢查：「**資料集**」面板會列出過濾器將移除的資料，以及它們的穩健 $z$ 值。',
      },
    ],
    tryThis: '加入 25 筆 DFT 失敗資料（+40 eV/atom）',
    expect:
      '平均值 ± 3σ 的範圍被撐大到約 −35 … +42 eV/atom，25 筆失敗資料全部保留（遮蔽效應）；中位數 ± 3 · 1.4826 · MAD 的範圍幾乎不動，把 25 筆全部移除，且沒有移除任何正常資料。',
  },

  'nan-defense': {
    title: 'NaN 的多層防護',
    lead: '只要一個 NaN，一步之內就會擴散到所有權重，所以實驗室用好幾層防護來對付它。',
    blocks: [
      {
        kind: 'p',
        text: '圖中的 $f = x - \\log x + 0.1y^2$ 在 $x \\le 0$ 時沒有定義，就像對已經變成負數的變異數取對數。從 $(2.5, 1)$ 出發、$\\eta = 5$ 的 SGD 一步就跳到 $x = -0.5$：損失變成 NaN，由它算出的一切也都是 NaN。本實驗室的防護層：',
      },
      {
        kind: 'list',
        items: [
          '**移除離群值**，讓失敗的目標值不進入資料；**Huber 損失**限制每個殘差的拉力。',
          '**梯度裁剪**限制每一步的長度。',
          '**裝置端防護**只在損失與梯度範數都是有限值時才套用更新，權重因此保持有限：',
        ],
      },
      {
        kind: 'math',
        tex: '\\theta \\leftarrow \\begin{cases} \\theta - \\eta\\, \\hat g & \\operatorname{isfinite}(L) \\wedge \\operatorname{isfinite}(\\|g\\|) \\\\ \\theta & \\text{否則} \\end{cases}',
      },
      {
        kind: 'list',
        items: [
          '接著由 **NaN 策略**決定：跳過該步、回溯到最後一個正常的快照並將學習率減半，或停止訓練。',
          '訓練結束後，最後再檢查一次所有權重都是有限值。',
        ],
      },
      {
        kind: 'note',
        text: '這裡拒絕一步就夠了。一般而言，防護只能阻止 NaN 擴散；如果權重雖然有限、卻已經漂到很差的地方，要靠回溯到快照來修復。',
      },
    ],
    tryThis: '開啟 NaN 防護',
    expect:
      '第一次更新（到 $x = -0.5$）被拒絕，$\\eta$ 減半為 $2.5$；下一步落在 $x = 1$，路徑收斂到極小值 $(1, 0)$，不再以 NaN 收場。',
  },
};

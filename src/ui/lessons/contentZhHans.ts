/**
 * 课程内容（简体中文）。区块与数学式和英文版一一对应（content.test.ts 会检查）。
 */
import type { LessonSet } from './content.ts';

export const LESSONS_ZH_HANS: LessonSet = {
  nonconvex: {
    title: '非凸性与局部极小值',
    lead: '神经网络的损失函数不是一个碗，而是有许多山谷；梯度下降最后停在哪里，取决于从哪里出发。',
    blocks: [
      {
        kind: 'p',
        text: '如果任意两点 $a$、$b$ 之间的弦都不低于函数图像，这个函数就是**凸函数**：',
      },
      {
        kind: 'math',
        tex: 'f\\bigl(\\lambda a + (1-\\lambda) b\\bigr) \\le \\lambda f(a) + (1-\\lambda) f(b), \\quad \\lambda \\in [0, 1]',
      },
      {
        kind: 'p',
        text: '对凸的损失函数来说，每个局部极小值都是全局极小值，从哪里出发都一样。神经网络的损失函数并不是凸的：仅仅交换两个隐藏单元，就会得到另一个同样好的极小值，此外还有鞍点和更差的山谷。',
      },
      {
        kind: 'p',
        text: '图中是 Himmelblau 函数 $f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$：它有四个极小值，都是 $f = 0$；在 $(-0.27, -0.92)$ 附近有一个局部极大值，四个极小值之间还有四个鞍点。',
      },
      {
        kind: 'note',
        text: '最终到达哪个极小值，由初始化决定，在训练中也就是由随机种子决定。比较不同的训练配方时，先用几个种子重复实验，再相信两者的差异。',
      },
    ],
    tryThis: '从四个角出发',
    expect:
      '四条 SGD 路径（$\\eta = 0.01$）从 $(\\pm 4, \\pm 4)$ 出发，各自停在不同的极小值：同一个函数、同一个优化器，只是起点不同。',
  },

  saddles: {
    title: '高维空间中的鞍点',
    lead: '梯度为零的地方是极小值、极大值还是鞍点，由 Hessian 矩阵决定；而在高维空间里，鞍点才是常态。',
    blocks: [
      {
        kind: 'p',
        text: '在临界点（$\\nabla f = 0$）处看 Hessian 矩阵 $H$ 的特征值：全为正是极小值，全为负是极大值，有正有负就是**鞍点**。将光标移到地图上，可以看到特征方向，以及“极小值／极大值／鞍点”的标注。',
      },
      {
        kind: 'math',
        tex: 'f = x^2 - y^2, \\quad \\nabla f = (2x, -2y), \\quad H = \\operatorname{diag}(2, -2)',
      },
      {
        kind: 'p',
        text: '有 $n$ 个参数，就有 $n$ 个特征值。如果每个特征值的正负像掷硬币，只有 $2^{-n}$ 比例的临界点是极小值；在实际的神经网络中，损失较高处的临界点绝大多数是鞍点（Dauphin 等，2014）。',
      },
      {
        kind: 'p',
        text: '图中的起点是 $(1, 0)$，恰好在山脊上。这里 $\\partial f/\\partial y = -2y = 0$，所以普通的梯度下降会让 $y = 0$ 永远保持不变，一路滑进梯度为零的鞍点。梯度噪声（SGD）和动量能把路径推离山脊。',
      },
    ],
    tryThis: '加入梯度噪声',
    expect:
      '普通的 GD 仍然停在鞍点 $(0, 0)$。加了噪声 $\\sigma = 0.01$ 的路径被推离山脊，此后 $|y|$ 每步乘以 $1 + 2\\eta = 1.1$：沿 $\\pm y$ 方向离开，起初很慢，随后越来越快。',
  },

  'flat-sharp': {
    title: '平坦与尖锐的极小值',
    lead: '两个极小值的损失可能几乎相同、曲率却相差很大，而学习率决定了梯度下降能停留在哪一个。',
    blocks: [
      {
        kind: 'p',
        text: '图中的 $f = 0.05x^2 - e^{-(x-1)^2/0.02} - e^{-(x+1.5)^2} + y^2$ 在 $x \\approx 1$ 附近有一个**尖锐**的井（曲率 $\\approx 100$），在 $x \\approx -1.5$ 附近有一个**平坦**的井（曲率 $\\approx 2$）；尖锐的井还略深一些。',
      },
      {
        kind: 'p',
        text: '在曲率为 $h$ 的二次函数上，学习率为 $\\eta$ 的一步梯度下降会把到谷底的距离乘以 $1 - \\eta h$。因此梯度下降只能停在**尖锐度** $\\lambda_{\\max}$（Hessian 矩阵的最大特征值）满足下式的地方：',
      },
      {
        kind: 'math',
        tex: '\\eta < \\frac{2}{\\lambda_{\\max}}, \\quad \\lambda_{\\max} = \\max_{\\|v\\| = 1} v^\\top H v',
      },
      {
        kind: 'p',
        text: '平坦的极小值能容忍权重的扰动，泛化能力通常也更好。大批次训练容易落入尖锐的极小值（Keskar 等，2017）；用滤波器归一化的损失切片，就能看出两者的差别（Li 等，2018）。',
      },
      {
        kind: 'note',
        text: '在“**训练 CGCNN**”视图中，“**损失地形**”面板会估计真实 CGCNN 的 $\\lambda_{\\max}$（基于 Hessian 向量积的幂迭代），并画出权重附近经滤波器归一化的二维切片。',
      },
    ],
    tryThis: '使用大学习率（0.1）',
    expect:
      '$\\eta = 0.005$ 的路径留在尖锐的井里。$\\eta = 0.1 > 2/100$ 时尖锐的井不稳定：路径被甩出去，停在平坦的井里，因为那里 $0.1 < 2/2$ 仍然稳定。',
  },

  'gd-sgd': {
    title: 'GD、SGD 与小批次',
    lead: '全批次梯度精确但代价高；小批次则给出廉价但带噪声的估计。',
    blocks: [
      {
        kind: 'p',
        text: '损失是 $N$ 个样本的平均，$L = \\frac{1}{N}\\sum_i \\ell_i$。随机抽取 $B$ 个样本 $k_1, \\dots, k_B$ 组成小批次，就能估计它的梯度：',
      },
      {
        kind: 'math',
        tex: '\\hat g = \\frac{1}{B}\\sum_{i=1}^{B} \\nabla \\ell_{k_i}, \\quad \\mathbb{E}[\\hat g] = \\nabla L, \\quad \\operatorname{Var}[\\hat g] \\propto \\frac{1}{B}',
      },
      {
        kind: 'p',
        text: '这个估计是无偏的，噪声的标准差 $\\propto 1/\\sqrt{B}$。图中在精确梯度上加入标准差为 $\\sigma/\\sqrt{B}$ 的高斯噪声，$\\sigma = 1$：全批次 GD 没有噪声，$B = 16$ 为 $\\sigma/4$，$B = 1$ 为 $\\sigma$。',
      },
      {
        kind: 'p',
        text: '噪声在极小值处并不会消失：学习率 $\\eta$ 固定时，SGD 最终会在极小值周围的**噪声球**里打转，$\\eta$ 和 $\\sigma$ 越大，球越大；在曲率为 $\\lambda$ 的二次函数上，半径约为 $\\sigma\\sqrt{\\eta/(2\\lambda)}$。这正是要让学习率衰减的原因之一。',
      },
      {
        kind: 'note',
        text: '一轮（epoch）是把 $N$ 个样本全部过一遍，共 $N/B$ 步：小批次走很多廉价但有噪声的步，大批次走少数精确但昂贵的步。',
      },
    ],
    tryThis: '比较不同批次大小',
    expect:
      '三条路径（$\\eta = 0.1$）平均而言走向相同：全批次 GD 是一条平滑的曲线，$B = 16$ 在它附近晃动，$B = 1$ 则在山谷两侧来回锯齿。100 步内没有一条到达极小值，因为在平缓的 $x$ 方向上，$\\eta = 0.1$ 走得很慢。',
  },

  'learning-rate': {
    title: '学习率：太小、刚好、太大',
    lead: '学习率是最重要的超参数：太小就几乎不动，太大训练就会发散。',
    blocks: [
      {
        kind: 'p',
        text: '在二次函数上，Hessian 矩阵的每个特征方向各自独立地演化：沿特征值为 $\\lambda$ 的方向，一步梯度下降会把误差 $e$ 乘以 $1 - \\eta\\lambda$。',
      },
      {
        kind: 'math',
        tex: 'e_{t+1} = (1 - \\eta\\lambda)\\, e_t, \\quad |1 - \\eta\\lambda| < 1 \\iff 0 < \\eta < \\frac{2}{\\lambda}',
      },
      {
        kind: 'p',
        text: '图中的 $f = 0.1x^2 + 2y^2$ 沿 $x$ 方向 $\\lambda = 0.2$，沿 $y$ 方向 $\\lambda = 4$，所以 $\\eta$ 必须小于 $2/4 = 0.5$：陡峭的方向决定上限，平缓的方向决定速度。',
      },
      {
        kind: 'list',
        items: [
          '$\\eta = 0.01$：沿 $x$ 方向每步只乘以 $1 - 0.002$，路径几乎不动。',
          '$\\eta = 0.3$：沿 $x$ 方向乘以 $0.94$，沿 $y$ 方向乘以 $-0.2$，先快速锯齿几下，再稳定地滑向极小值。',
          '$\\eta = 0.55$：沿 $y$ 方向乘以 $1 - 2.2 = -1.2$，路径在山谷两侧来回弹跳，振幅越来越大，最终发散。',
        ],
      },
      {
        kind: 'note',
        text: '真实网络的 $\\lambda$ 是未知的。“**训练 CGCNN**”视图中的**学习率范围测试**（Smith，2017）会逐步调高学习率，找出损失下降最快和开始发散的位置。',
      },
    ],
    tryThis: '三种学习率',
    expect:
      '$\\eta = 0.01$ 走了 100 步几乎没动，$\\eta = 0.3$ 到达极小值，$\\eta = 0.55$ 则沿 $y$ 方向振荡、振幅越来越大，直到发散（表格会列出在第几步）。',
  },

  momentum: {
    title: '动量',
    lead: '动量会累积过去的梯度：方向一致时加速，方向来回翻转时抑制锯齿。',
    blocks: [
      {
        kind: 'p',
        text: 'PyTorch 中动量为 $\\mu$ 的 SGD 维护一个速度 $v$（重球法）：',
      },
      {
        kind: 'math',
        tex: 'v_{t+1} = \\mu v_t + g_t, \\quad \\theta_{t+1} = \\theta_t - \\eta\\, v_{t+1}',
      },
      {
        kind: 'p',
        text: '当梯度方向保持不变时，$v$ 会增长到接近 $g/(1-\\mu)$：有效步长是 $\\eta/(1-\\mu)$，$\\mu = 0.9$ 时是 $\\eta$ 的十倍。横穿狭窄山谷时，梯度每步都改变符号，各步的贡献大多相互抵消，振荡因此被抑制。',
      },
      {
        kind: 'p',
        text: '**Nesterov** 动量改用 $g_t + \\mu v_{t+1}$ 而不是 $v_{t+1}$ 来更新：先向前看一步，速度冲过头时能更早刹车。',
      },
      {
        kind: 'note',
        text: '速度大约记得最近 $1/(1-\\mu)$ 步，所以 $\\mu$ 很大时，路径会先冲过头再摆回来，然后才停下。',
      },
    ],
    tryThis: '加入动量 0.9',
    expect:
      '动量路径（$\\eta = 0.2$、$\\mu = 0.9$）沿平缓的 $x$ 方向快速前进，冲过极小值后再摆回来；即便如此，表格显示它到达极小值所需的步数仍比 $\\eta = 0.3$ 的普通 SGD 少。',
  },

  adaptive: {
    title: '自适应方法：Adagrad、RMSprop、Adam',
    lead: '自适应方法让每个参数都有自己的步长，按它自身过去梯度的大小来缩放。',
    blocks: [
      {
        kind: 'p',
        text: '这三种方法都把梯度逐个坐标除以过去梯度的均方根（$g^2$ 是逐元素平方，$\\varepsilon$ 用来避免除以零）：',
      },
      {
        kind: 'list',
        items: [
          '**Adagrad**：$G \\leftarrow G + g^2$，$\\theta \\leftarrow \\theta - \\eta\\, g/(\\sqrt{G} + \\varepsilon)$。累加值只增不减，所以步长会一直缩小。',
          '**RMSprop**：$v \\leftarrow \\alpha v + (1-\\alpha) g^2$，$\\theta \\leftarrow \\theta - \\eta\\, g/(\\sqrt{v} + \\varepsilon)$。滑动平均（$\\alpha = 0.99$）会逐渐遗忘旧的梯度。',
          '**Adam**：$g$ 的滑动平均 $m$ 与 $g^2$ 的滑动平均 $v$，并修正它们从零开始造成的偏差：',
        ],
      },
      {
        kind: 'math',
        tex: '\\begin{aligned} m &\\leftarrow \\beta_1 m + (1-\\beta_1)\\, g, & \\hat m &= m/(1-\\beta_1^t), \\\\ v &\\leftarrow \\beta_2 v + (1-\\beta_2)\\, g^2, & \\hat v &= v/(1-\\beta_2^t), \\\\ \\theta &\\leftarrow \\theta - \\eta\\, \\hat m/(\\sqrt{\\hat v} + \\varepsilon) \\end{aligned}',
      },
      {
        kind: 'p',
        text: '**AdamW** 把权重衰减与这些统计量解耦：直接缩小权重 $\\theta \\leftarrow \\theta(1 - \\eta\\lambda)$，而不是把 $\\lambda\\theta$ 加进 $g$。',
      },
      {
        kind: 'p',
        text: '由于每个坐标都除以自己的梯度尺度，陡峭的 $y$ 方向和平缓的 $x$ 方向会以差不多的速度前进：Adam 和 Adagrad 的第一步在每个坐标上都是 $\\approx \\eta\\,\\operatorname{sign}(g)$。',
      },
    ],
    tryThis: '加入 Adagrad、RMSprop 和 Adam',
    expect:
      '三条自适应路径一开始都沿对角线前进，$x$ 和 $y$ 的步长相同，而不像 SGD 那样先沿陡峭的 $y$ 壁滑下；在这里，它们到达极小值所需的步数都比 SGD 少（见表格）。',
  },

  onecycle: {
    title: 'OneCycle 与超收敛',
    lead: 'OneCycle 先把学习率预热到很高的峰值，再退火到远低于起始值，动量则反向变化。',
    blocks: [
      {
        kind: 'p',
        text: 'PyTorch 的 OneCycleLR 从 max_lr/25（div_factor）开始，在前 30 % 的步数（pct_start）内升到 max_lr，之后降到起始值除以 $10^4$（final_div_factor）。在从 $\\eta_a$ 变到 $\\eta_b$ 的一个阶段中，进度 $p$ 从 0 到 1：',
      },
      {
        kind: 'math',
        tex: '\\eta(p) = \\eta_b + (\\eta_a - \\eta_b)\\,\\frac{1 + \\cos(\\pi p)}{2}',
      },
      {
        kind: 'p',
        text: '动量反向循环，0.95 → 0.85 → 0.95：学习率高的时候，降低动量可以压住有效步长 $\\eta/(1-\\mu)$。',
      },
      {
        kind: 'p',
        text: 'Smith 与 Topin（2017）发现，一个短而峰值很高的循环，能用少得多的训练轮数完成训练，称为**超收敛**；大学习率同时也起到正则化的作用。',
      },
      {
        kind: 'note',
        text: '“**训练 CGCNN**”视图中的“**训练配方**”面板使用的正是 PyTorch 的 OneCycleLR，预览图会画出本次训练计划的学习率与动量。',
      },
    ],
    tryThis: '超收敛：max_lr = 1',
    expect:
      '峰值在第 29 步（100 步的 30 %）升到 1，起始值为 $0.04$，结束时为 $0.04/10^4 = 4 \\times 10^{-6}$。动量曲线不变：它只取决于所处的阶段。',
  },

  clipping: {
    title: '梯度裁剪',
    lead: '裁剪会限制梯度的长度，使一个陡峭的地方无法把权重甩到地形的另一头。',
    blocks: [
      {
        kind: 'p',
        text: 'Rosenbrock 山谷 $f = (1-x)^2 + 100(y - x^2)^2$ 的谷壁很陡。从 $(-1.5, 2)$ 出发、$\\eta = 0.004$ 的 SGD（是极小值处上限 $2/\\lambda_{\\max} \\approx 0.002$ 的两倍）会冲过谷壁、落在更陡的地方，几步之内就发散成 NaN。',
      },
      {
        kind: 'math',
        tex: 'c = \\min\\left(1, \\frac{\\text{max\\_norm}}{\\|g\\|_2 + 10^{-6}}\\right), \\quad \\hat g = c\\, g',
      },
      {
        kind: 'p',
        text: '这就是 PyTorch 的 clip_grad_norm_：$\\|g\\|_2$ 是把**所有**参数合在一起计算的范数（全局范数），而且只改变长度、不改变方向。每一步的长度都不超过 $\\eta \\cdot \\text{max\\_norm}$。',
      },
      {
        kind: 'note',
        text: '裁剪能限制学习率过大造成的损害，但不能修正学习率本身。训练时，实验室会画出裁剪前后的 $\\|g\\|$，以及被裁剪步数的比例。',
      },
    ],
    tryThis: '将梯度裁剪到 max_norm = 100',
    expect:
      '路径不再发散：大约一半的步被裁剪到最多 $0.004 \\cdot 100 = 0.4$，路径落入山谷，沿着谷底朝极小值 $(1, 1)$ 前进，但 100 步内还没有到达。',
  },

  huber: {
    title: 'Huber 损失',
    lead: 'Huber 损失对小残差是二次的、对大残差是线性的，因此单个巨大误差无法主导梯度。',
    blocks: [
      {
        kind: 'math',
        tex: '\\text{Huber}_\\delta(e) = \\begin{cases} \\tfrac{1}{2} e^2 & |e| \\le \\delta \\\\ \\delta\\left(|e| - \\tfrac{1}{2}\\delta\\right) & |e| > \\delta \\end{cases}',
      },
      {
        kind: 'p',
        text: '它的梯度是把残差 $e$ 裁剪到 $[-\\delta, \\delta]$；平方误差则以 $2e$ 拉动（PyTorch 的 MSELoss，对批次取平均）：',
      },
      {
        kind: 'math',
        tex: '\\frac{\\partial\\, \\text{Huber}_\\delta}{\\partial e} = \\max\\bigl(-\\delta, \\min(e, \\delta)\\bigr), \\quad \\frac{\\partial\\, e^2}{\\partial e} = 2e',
      },
      {
        kind: 'p',
        text: '在 $[-\\delta, \\delta]$ 之内，Huber 是平方误差的一半；之外则像 $\\delta|e|$ 一样线性增长。$\\delta$ 应选在“很大但真实”的残差大小附近。',
      },
      {
        kind: 'note',
        text: 'PyTorch 的 HuberLoss(δ) 等于 δ · SmoothL1Loss(β = δ)。两者只差这个倍数，但比较学习率时这个倍数很重要。',
      },
    ],
    tryThis: '加入黑天鹅残差（e = 10）',
    expect:
      '用 MSE 时，单个残差 $e = 10$ 以 $2e = 20$ 拉动，一般残差只有约 $0.5$，它占了总梯度的约三分之二。用 Huber（$\\delta = 1$）时，它的拉力被限制在 $1$，占比降到五分之一以下。',
  },

  outliers: {
    title: '删除离群值与黑天鹅',
    lead: '删除一个数据点之前，先问它是罕见但真实的数值（黑天鹅），还是失败的计算。',
    blocks: [
      {
        kind: 'p',
        text: '普通的 $z$ 分数以标准差为单位，衡量与均值的距离；稳健的版本改用中位数与中位数绝对偏差 $\\text{MAD} = \\operatorname{median}|y_i - \\operatorname{median}(y)|$：',
      },
      {
        kind: 'math',
        tex: 'z = \\frac{y - \\bar y}{\\sigma}, \\quad z_{\\text{MAD}} = \\frac{y - \\operatorname{median}(y)}{1.4826 \\cdot \\text{MAD}}',
      },
      {
        kind: 'p',
        text: '系数 $1.4826$ 使两者在正态数据上一致，两种过滤器都保留 $|z| \\le 3$ 的数据。但均值和 $\\sigma$ 是连同离群值一起计算的：一群离群值会拉动均值、撑大 $\\sigma$，直到它们看起来很正常，这就是**掩蔽效应**。中位数与 MAD 则几乎不受少数离群值影响。',
      },
      {
        kind: 'list',
        items: [
          '**黑天鹅**：物理上真实的极端值，例如不寻常但正确的化合物。应当保留，可用 Huber 损失限制它的拉力。',
          '**DFT 失败**：未收敛或出错的计算。应当删除。',
        ],
      },
      {
        kind: 'note',
        text: '删除之前先检查：“**数据集**”面板会列出过滤器将删除的数据，以及它们的稳健 $z$ 值。',
      },
    ],
    tryThis: '加入 25 条 DFT 失败数据（+40 eV/atom）',
    expect:
      '均值 ± 3σ 的范围被撑大到约 −35 … +42 eV/atom，25 条失败数据全部保留（掩蔽效应）；中位数 ± 3 · 1.4826 · MAD 的范围几乎不动，把 25 条全部删除，且没有删除任何正常数据。',
  },

  'nan-defense': {
    title: 'NaN 的多层防护',
    lead: '只要出现一个 NaN，一步之内就会扩散到所有权重，所以实验室用好几层防护来应对它。',
    blocks: [
      {
        kind: 'p',
        text: '图中的 $f = x - \\log x + 0.1y^2$ 在 $x \\le 0$ 时没有定义，就像对已经变成负数的方差取对数。从 $(2.5, 1)$ 出发、$\\eta = 5$ 的 SGD 一步就跳到 $x = -0.5$：损失变成 NaN，由它算出的一切也都是 NaN。本实验室的防护层：',
      },
      {
        kind: 'list',
        items: [
          '**删除离群值**，让失败的目标值不进入数据；**Huber 损失**限制每个残差的拉力。',
          '**梯度裁剪**限制每一步的长度。',
          '**设备端防护**只在损失与梯度范数都是有限值时才执行更新，权重因此保持有限：',
        ],
      },
      {
        kind: 'math',
        tex: '\\theta \\leftarrow \\begin{cases} \\theta - \\eta\\, \\hat g & \\operatorname{isfinite}(L) \\wedge \\operatorname{isfinite}(\\|g\\|) \\\\ \\theta & \\text{否则} \\end{cases}',
      },
      {
        kind: 'list',
        items: [
          '随后由 **NaN 策略**决定：跳过该步、回溯到最后一个正常的快照并将学习率减半，或停止训练。',
          '训练结束后，再检查一次所有权重都是有限值。',
        ],
      },
      {
        kind: 'note',
        text: '这里拒绝一步就够了。一般而言，防护只能阻止 NaN 扩散；如果权重虽然有限、却已经漂到很差的地方，要靠回溯到快照来修复。',
      },
    ],
    tryThis: '开启 NaN 防护',
    expect:
      '第一次更新（到 $x = -0.5$）被拒绝，$\\eta$ 减半为 $2.5$；下一步落在 $x = 1$，路径收敛到极小值 $(1, 0)$，不再以 NaN 告终。',
  },
};

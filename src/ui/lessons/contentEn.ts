/**
 * The lessons in English. Each text matches what its live figure does (src/ui/lessons/setups.ts and
 * figures.tsx); the Chinese versions have the same blocks and the same maths (content.test.ts).
 */
import type { LessonSet } from './content.ts';

export const LESSONS_EN: LessonSet = {
  nonconvex: {
    title: 'Non-convexity and local minima',
    lead: 'A neural network’s loss is not a bowl: it has many valleys, and where gradient descent ends depends on where it starts.',
    blocks: [
      {
        kind: 'p',
        text: 'A function is **convex** if the chord between any two points $a$, $b$ never lies below its graph:',
      },
      {
        kind: 'math',
        tex: 'f\\bigl(\\lambda a + (1-\\lambda) b\\bigr) \\le \\lambda f(a) + (1-\\lambda) f(b), \\quad \\lambda \\in [0, 1]',
      },
      {
        kind: 'p',
        text: 'For a convex loss every local minimum is a global one, so the start does not matter. Neural-network losses are not convex: swapping two hidden units alone gives a different but equally good minimum, and there are saddles and poorer valleys besides.',
      },
      {
        kind: 'p',
        text: 'The figure shows Himmelblau’s function $f = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$: four minima, all with $f = 0$, a local maximum near $(-0.27, -0.92)$ and four saddles between them.',
      },
      {
        kind: 'note',
        text: 'Which minimum you reach is decided by the initialisation — in training, by the random seed. Compare recipes over several seeds before trusting a difference.',
      },
    ],
    tryThis: 'Start from four corners',
    expect:
      'Four SGD runs with $\\eta = 0.01$ start at $(\\pm 4, \\pm 4)$ and each ends in a different minimum: same function, same optimizer, different start.',
  },

  saddles: {
    title: 'Saddle points in high dimension',
    lead: 'Where the gradient vanishes, the Hessian decides between minimum, maximum and saddle — and in many dimensions saddles are the rule.',
    blocks: [
      {
        kind: 'p',
        text: 'At a critical point ($\\nabla f = 0$) look at the eigenvalues of the Hessian $H$: all positive, a minimum; all negative, a maximum; mixed signs, a **saddle**. Hover over the map to see the Hessian’s eigen-directions, labelled minimum, maximum or saddle.',
      },
      {
        kind: 'math',
        tex: 'f = x^2 - y^2, \\quad \\nabla f = (2x, -2y), \\quad H = \\operatorname{diag}(2, -2)',
      },
      {
        kind: 'p',
        text: 'With $n$ parameters there are $n$ eigenvalues. If their signs were coin flips, only a fraction $2^{-n}$ of critical points would be minima; in real networks, critical points at high loss are overwhelmingly saddles (Dauphin et al. 2014).',
      },
      {
        kind: 'p',
        text: 'The figure starts at $(1, 0)$, exactly on the ridge. There $\\partial f/\\partial y = -2y = 0$, so plain gradient descent keeps $y = 0$ for ever and slides into the saddle, where the gradient vanishes. Gradient noise (SGD) and momentum push a path off the ridge.',
      },
    ],
    tryThis: 'Add gradient noise',
    expect:
      'Plain GD still stalls at the saddle $(0, 0)$. The run with noise $\\sigma = 0.01$ is nudged off the ridge, and from then on $|y|$ grows by a factor $1 + 2\\eta = 1.1$ per step: it slides away along $\\pm y$, slowly at first, then faster and faster.',
  },

  'flat-sharp': {
    title: 'Flat and sharp minima',
    lead: 'Two minima can have almost the same loss and very different curvature, and the learning rate decides which of them gradient descent can stay in.',
    blocks: [
      {
        kind: 'p',
        text: 'The figure’s $f = 0.05x^2 - e^{-(x-1)^2/0.02} - e^{-(x+1.5)^2} + y^2$ has a **sharp** well near $x \\approx 1$ (curvature $\\approx 100$) and a **flat** one near $x \\approx -1.5$ (curvature $\\approx 2$); the sharp one is slightly deeper.',
      },
      {
        kind: 'p',
        text: 'On a quadratic of curvature $h$, a gradient step with learning rate $\\eta$ multiplies the distance to the bottom by $1 - \\eta h$. So gradient descent can settle only where the **sharpness** $\\lambda_{\\max}$, the top eigenvalue of the Hessian, satisfies',
      },
      {
        kind: 'math',
        tex: '\\eta < \\frac{2}{\\lambda_{\\max}}, \\quad \\lambda_{\\max} = \\max_{\\|v\\| = 1} v^\\top H v',
      },
      {
        kind: 'p',
        text: 'Flat minima tolerate perturbations of the weights and tend to generalise better. Large batches drift towards sharp minima (Keskar et al. 2017); filter-normalised slices of the loss make the difference visible (Li et al. 2018).',
      },
      {
        kind: 'note',
        text: 'On the **Train CGCNN** view, the **Loss landscape** panel estimates $\\lambda_{\\max}$ of the real CGCNN (power iteration on Hessian-vector products) and draws filter-normalised 2-D slices around its weights.',
      },
    ],
    tryThis: 'Use a large learning rate (0.1)',
    expect:
      'The $\\eta = 0.005$ run stays in the sharp well. For $\\eta = 0.1 > 2/100$ the sharp well is unstable: the path is thrown out of it and settles in the flat well, where $0.1 < 2/2$ is still stable.',
  },

  'gd-sgd': {
    title: 'GD, SGD and mini-batches',
    lead: 'The full-batch gradient is exact but expensive; a mini-batch gives a cheap, noisy estimate of it.',
    blocks: [
      {
        kind: 'p',
        text: 'The loss is an average over $N$ samples, $L = \\frac{1}{N}\\sum_i \\ell_i$. A mini-batch of $B$ random samples $k_1, \\dots, k_B$ estimates its gradient:',
      },
      {
        kind: 'math',
        tex: '\\hat g = \\frac{1}{B}\\sum_{i=1}^{B} \\nabla \\ell_{k_i}, \\quad \\mathbb{E}[\\hat g] = \\nabla L, \\quad \\operatorname{Var}[\\hat g] \\propto \\frac{1}{B}',
      },
      {
        kind: 'p',
        text: 'The estimate is unbiased, and its noise has a standard deviation $\\propto 1/\\sqrt{B}$. The figure adds Gaussian noise $\\sigma/\\sqrt{B}$ with $\\sigma = 1$ to the exact gradient: none for full-batch GD, $\\sigma/4$ for $B = 16$, $\\sigma$ for $B = 1$.',
      },
      {
        kind: 'p',
        text: 'The noise does not vanish at the minimum: with a constant $\\eta$, SGD ends in a **noise ball** whose size grows with $\\eta$ and $\\sigma$ — on a quadratic of curvature $\\lambda$ its radius is about $\\sigma\\sqrt{\\eta/(2\\lambda)}$. That is one reason to decay the learning rate.',
      },
      {
        kind: 'note',
        text: 'One epoch, a pass over all $N$ samples, is $N/B$ steps: small batches take many cheap, noisy steps, large batches few accurate, expensive ones.',
      },
    ],
    tryThis: 'Compare batch sizes',
    expect:
      'All three runs ($\\eta = 0.1$) head the same way on average: full-batch GD follows a smooth curve, $B = 16$ wobbles around it and $B = 1$ zig-zags across the valley. None reaches the minimum in 100 steps, because along the flat $x$ direction $\\eta = 0.1$ is slow.',
  },

  'learning-rate': {
    title: 'The learning rate: too small, right, too large',
    lead: 'The learning rate is the most important hyper-parameter: too small and nothing happens, too large and training blows up.',
    blocks: [
      {
        kind: 'p',
        text: 'On a quadratic, each eigen-direction of the Hessian moves on its own: a gradient step multiplies the error $e$ along a direction with eigenvalue $\\lambda$ by $1 - \\eta\\lambda$.',
      },
      {
        kind: 'math',
        tex: 'e_{t+1} = (1 - \\eta\\lambda)\\, e_t, \\quad |1 - \\eta\\lambda| < 1 \\iff 0 < \\eta < \\frac{2}{\\lambda}',
      },
      {
        kind: 'p',
        text: 'The figure’s $f = 0.1x^2 + 2y^2$ has $\\lambda = 0.2$ along $x$ and $\\lambda = 4$ along $y$, so $\\eta$ must stay below $2/4 = 0.5$: the steep direction sets the limit, the flat one the pace.',
      },
      {
        kind: 'list',
        items: [
          '$\\eta = 0.01$: the factor along $x$ is $1 - 0.002$ per step, so the path barely moves.',
          '$\\eta = 0.3$: factors $0.94$ along $x$ and $-0.2$ along $y$, a quick zig-zag and then a steady slide to the minimum.',
          '$\\eta = 0.55$: the factor along $y$ is $1 - 2.2 = -1.2$, so the path bounces across the valley with growing amplitude and blows up.',
        ],
      },
      {
        kind: 'note',
        text: 'For a real network $\\lambda$ is unknown. The **LR range test** (Smith 2017) on the **Train CGCNN** view raises the learning rate step by step and shows where the loss falls fastest and where it blows up.',
      },
    ],
    tryThis: 'Three learning rates',
    expect:
      '$\\eta = 0.01$ has hardly moved after 100 steps, $\\eta = 0.3$ reaches the minimum, and $\\eta = 0.55$ swings along $y$ with growing amplitude until it diverges (the table says at which step).',
  },

  momentum: {
    title: 'Momentum',
    lead: 'Momentum accumulates past gradients: it speeds up where they agree and damps the zig-zag where they alternate.',
    blocks: [
      {
        kind: 'p',
        text: 'PyTorch’s SGD with momentum $\\mu$ keeps a velocity $v$ (the heavy-ball method):',
      },
      {
        kind: 'math',
        tex: 'v_{t+1} = \\mu v_t + g_t, \\quad \\theta_{t+1} = \\theta_t - \\eta\\, v_{t+1}',
      },
      {
        kind: 'p',
        text: 'While the gradient keeps its direction, $v$ grows towards $g/(1-\\mu)$: the effective step is $\\eta/(1-\\mu)$, ten times $\\eta$ for $\\mu = 0.9$. Across a narrow valley the gradient flips sign from step to step and the contributions largely cancel, which damps the oscillation.',
      },
      {
        kind: 'p',
        text: '**Nesterov** momentum steps with $g_t + \\mu v_{t+1}$ instead of $v_{t+1}$: a look-ahead that brakes earlier when the velocity overshoots.',
      },
      {
        kind: 'note',
        text: 'The velocity remembers about $1/(1-\\mu)$ steps, so with a large $\\mu$ a path overshoots and swings back before it settles.',
      },
    ],
    tryThis: 'Add momentum 0.9',
    expect:
      'The momentum run ($\\eta = 0.2$, $\\mu = 0.9$) sweeps along the flat $x$ direction, overshoots the minimum and swings back, yet the table shows it reaching the minimum in fewer steps than plain SGD with $\\eta = 0.3$.',
  },

  adaptive: {
    title: 'Adaptive methods: Adagrad, RMSprop, Adam',
    lead: 'Adaptive methods give every parameter its own step size, scaled by the history of its own gradients.',
    blocks: [
      {
        kind: 'p',
        text: 'All three divide the gradient, coordinate by coordinate, by a root-mean-square of past gradients ($g^2$ is element-wise, and $\\varepsilon$ prevents division by zero):',
      },
      {
        kind: 'list',
        items: [
          '**Adagrad**: $G \\leftarrow G + g^2$, $\\theta \\leftarrow \\theta - \\eta\\, g/(\\sqrt{G} + \\varepsilon)$. The sum only grows, so the steps keep shrinking.',
          '**RMSprop**: $v \\leftarrow \\alpha v + (1-\\alpha) g^2$, $\\theta \\leftarrow \\theta - \\eta\\, g/(\\sqrt{v} + \\varepsilon)$. The moving average ($\\alpha = 0.99$) forgets old gradients.',
          '**Adam**: moving averages $m$ of $g$ and $v$ of $g^2$, corrected for their start at zero:',
        ],
      },
      {
        kind: 'math',
        tex: '\\begin{aligned} m &\\leftarrow \\beta_1 m + (1-\\beta_1)\\, g, & \\hat m &= m/(1-\\beta_1^t), \\\\ v &\\leftarrow \\beta_2 v + (1-\\beta_2)\\, g^2, & \\hat v &= v/(1-\\beta_2^t), \\\\ \\theta &\\leftarrow \\theta - \\eta\\, \\hat m/(\\sqrt{\\hat v} + \\varepsilon) \\end{aligned}',
      },
      {
        kind: 'p',
        text: '**AdamW** decouples weight decay from these statistics: it shrinks the weights directly, $\\theta \\leftarrow \\theta(1 - \\eta\\lambda)$, instead of adding $\\lambda\\theta$ to $g$.',
      },
      {
        kind: 'p',
        text: 'Because each coordinate is divided by its own gradient scale, the steep $y$ and the shallow $x$ direction move at similar speeds: the first Adam and Adagrad steps are $\\approx \\eta\\,\\operatorname{sign}(g)$ in every coordinate.',
      },
    ],
    tryThis: 'Add Adagrad, RMSprop and Adam',
    expect:
      'The three adaptive paths set off diagonally, with equal steps in $x$ and $y$, instead of first dropping down the steep $y$ wall like SGD; here all of them reach the minimum in fewer steps than SGD (see the table).',
  },

  onecycle: {
    title: 'OneCycle and super-convergence',
    lead: 'OneCycle warms the learning rate up to a high peak and then anneals it far below its start, while the momentum moves the other way.',
    blocks: [
      {
        kind: 'p',
        text: 'PyTorch’s OneCycleLR starts at max_lr/25 (div_factor), rises to max_lr over the first 30 % of the steps (pct_start), then falls to the start value divided by $10^4$ (final_div_factor). Within a phase that goes from $\\eta_a$ to $\\eta_b$, with progress $p$ from 0 to 1:',
      },
      {
        kind: 'math',
        tex: '\\eta(p) = \\eta_b + (\\eta_a - \\eta_b)\\,\\frac{1 + \\cos(\\pi p)}{2}',
      },
      {
        kind: 'p',
        text: 'The momentum cycles inversely, 0.95 → 0.85 → 0.95: while the learning rate is high, less momentum keeps the effective step $\\eta/(1-\\mu)$ in check.',
      },
      {
        kind: 'p',
        text: 'Smith & Topin (2017) found that one short cycle with a very high peak can train in far fewer epochs, **super-convergence**; the large learning rates also act as a regulariser.',
      },
      {
        kind: 'note',
        text: 'The **Recipe** panel on the **Train CGCNN** view uses exactly PyTorch’s OneCycleLR, and its preview draws the planned learning rate and momentum of your run.',
      },
    ],
    tryThis: 'Super-convergence: max_lr = 1',
    expect:
      'The peak rises to 1 at step 29 (30 % of the 100 steps) from a start of $0.04$, and the run ends at $0.04/10^4 = 4 \\times 10^{-6}$. The momentum curve does not change: it depends only on the phase.',
  },

  clipping: {
    title: 'Gradient clipping',
    lead: 'Clipping caps the length of the gradient, so that one steep spot cannot fling the weights across the landscape.',
    blocks: [
      {
        kind: 'p',
        text: 'Rosenbrock’s valley $f = (1-x)^2 + 100(y - x^2)^2$ has steep walls. From $(-1.5, 2)$, SGD with $\\eta = 0.004$, twice the limit $2/\\lambda_{\\max} \\approx 0.002$ at the minimum, overshoots the wall, lands on a steeper one and blows up to NaN within a few steps.',
      },
      {
        kind: 'math',
        tex: 'c = \\min\\left(1, \\frac{\\text{max\\_norm}}{\\|g\\|_2 + 10^{-6}}\\right), \\quad \\hat g = c\\, g',
      },
      {
        kind: 'p',
        text: 'This is PyTorch’s clip_grad_norm_: $\\|g\\|_2$ is the norm over **all** parameters together (the global norm), and only the length changes, never the direction. No step is longer than $\\eta \\cdot \\text{max\\_norm}$.',
      },
      {
        kind: 'note',
        text: 'Clipping limits the damage of a learning rate that is too large; it does not fix it. During training the lab charts $\\|g\\|$ before and after clipping and the share of clipped steps.',
      },
    ],
    tryThis: 'Clip gradients to max_norm = 100',
    expect:
      'The path no longer blows up: about half of the steps are clipped to at most $0.004 \\cdot 100 = 0.4$, and the path drops into the valley and follows it towards the minimum $(1, 1)$, without reaching it in 100 steps.',
  },

  huber: {
    title: 'Huber loss',
    lead: 'Huber loss is quadratic for small residuals and linear for large ones, so a single huge error cannot dominate the gradient.',
    blocks: [
      {
        kind: 'math',
        tex: '\\text{Huber}_\\delta(e) = \\begin{cases} \\tfrac{1}{2} e^2 & |e| \\le \\delta \\\\ \\delta\\left(|e| - \\tfrac{1}{2}\\delta\\right) & |e| > \\delta \\end{cases}',
      },
      {
        kind: 'p',
        text: 'Its gradient is the residual $e$ clipped to $[-\\delta, \\delta]$, whereas squared error pulls with $2e$ (PyTorch’s MSELoss, averaged over the batch):',
      },
      {
        kind: 'math',
        tex: '\\frac{\\partial\\, \\text{Huber}_\\delta}{\\partial e} = \\max\\bigl(-\\delta, \\min(e, \\delta)\\bigr), \\quad \\frac{\\partial\\, e^2}{\\partial e} = 2e',
      },
      {
        kind: 'p',
        text: 'Inside $[-\\delta, \\delta]$ Huber is half the squared error; outside it grows like $\\delta|e|$. Choose $\\delta$ around the size of a large but genuine residual.',
      },
      {
        kind: 'note',
        text: 'PyTorch’s HuberLoss(δ) equals δ · SmoothL1Loss(β = δ). The two differ only by that factor — which matters when you compare learning rates.',
      },
    ],
    tryThis: 'Add a black-swan residual (e = 10)',
    expect:
      'With MSE the single residual $e = 10$ pulls with $2e = 20$, against about $0.5$ for a typical residual, and carries about two thirds of the total gradient. With Huber ($\\delta = 1$) its pull is capped at $1$ and its share drops below a fifth.',
  },

  outliers: {
    title: 'Outlier removal and black swans',
    lead: 'Before removing a data point, ask whether it is a rare but real value — a black swan — or a broken calculation.',
    blocks: [
      {
        kind: 'p',
        text: 'The usual $z$-score measures the distance from the mean in standard deviations; the robust one uses the median and the median absolute deviation, $\\text{MAD} = \\operatorname{median}|y_i - \\operatorname{median}(y)|$:',
      },
      {
        kind: 'math',
        tex: 'z = \\frac{y - \\bar y}{\\sigma}, \\quad z_{\\text{MAD}} = \\frac{y - \\operatorname{median}(y)}{1.4826 \\cdot \\text{MAD}}',
      },
      {
        kind: 'p',
        text: 'The factor $1.4826$ makes the two agree on normal data, and both filters keep $|z| \\le 3$. But the mean and $\\sigma$ are computed including the outliers: a cluster of them drags the mean and inflates $\\sigma$ until they look normal — **masking**. The median and MAD hardly notice a minority of outliers.',
      },
      {
        kind: 'list',
        items: [
          '**Black swan**: a physically real extreme, such as an unusual but correct compound. Keep it; Huber loss limits its pull.',
          '**DFT failure**: an unconverged or broken calculation. Remove it.',
        ],
      },
      {
        kind: 'note',
        text: 'Inspect before you delete: the **Dataset** panel lists the rows the filter would remove, with their robust $z$.',
      },
    ],
    tryThis: 'Add 25 failed-DFT rows (+40 eV/atom)',
    expect:
      'The mean ± 3σ band stretches to about −35 … +42 eV/atom and keeps all 25 failed rows (masking); the median ± 3 · 1.4826 · MAD band barely moves and removes all 25, and no good rows.',
  },

  'nan-defense': {
    title: 'NaN defence in depth',
    lead: 'A single NaN reaches every weight within one step, so the lab defends against it in several layers.',
    blocks: [
      {
        kind: 'p',
        text: 'The figure’s $f = x - \\log x + 0.1y^2$ is undefined for $x \\le 0$, like the log of a variance that has gone negative. From $(2.5, 1)$, SGD with $\\eta = 5$ jumps to $x = -0.5$: the loss is NaN, and so is everything computed from it. The layers in this lab:',
      },
      {
        kind: 'list',
        items: [
          '**Outlier removal** keeps broken targets out of the data; **Huber loss** bounds the pull of each residual.',
          '**Gradient clipping** bounds the length of each step.',
          'The **device-side guard** applies an update only if the loss and the gradient norm are finite, so the weights stay finite:',
        ],
      },
      {
        kind: 'math',
        tex: '\\theta \\leftarrow \\begin{cases} \\theta - \\eta\\, \\hat g & \\operatorname{isfinite}(L) \\wedge \\operatorname{isfinite}(\\|g\\|) \\\\ \\theta & \\text{otherwise} \\end{cases}',
      },
      {
        kind: 'list',
        items: [
          'The **NaN policy** then decides: skip the step, roll back to the last good snapshot and halve the learning rate, or stop the run.',
          'After the run, a final check confirms that all weights are finite.',
        ],
      },
      {
        kind: 'note',
        text: 'Here one refused step is enough. In general a guard only stops NaN from spreading; weights that have drifted somewhere bad while staying finite are repaired by the rollback to a snapshot.',
      },
    ],
    tryThis: 'Turn on the NaN guard',
    expect:
      'The first update, to $x = -0.5$, is refused and $\\eta$ is halved to $2.5$; the next step lands on $x = 1$, and the run converges to the minimum $(1, 0)$ instead of ending in NaN.',
  },
};

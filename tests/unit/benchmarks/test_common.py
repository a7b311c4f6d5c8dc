# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

import contextlib
import io
from unittest import mock

from benchmarks import common
from tests import base


class TestMeterStatistics(base.TestCase):
    """The ratios the reports print, from recorded times and CPU."""

    def setUp(self):
        super().setUp()
        self.meter = common.Meter({'glance': lambda: []})
        self.meter.times = {'straight': [2.0, 4.0, 3.0],
                            'via': [3.0, 3.0, 6.0]}
        self.meter.cpu = {
            ('straight', 'client'): [0.2, 0.2, 0.2],
            ('straight', 'glance'): [1.0, 1.2, 1.4],
            ('via', 'client'): [0.4, 0.4, 0.4],
            ('via', 'glance'): [1.0, 1.0, 1.0],
            ('via', 'mcimage'): [1.6, 2.6, 0.6],
        }
        patcher = mock.patch('os.cpu_count', autospec=True, return_value=2)
        self.cpu_count = patcher.start()
        self.addCleanup(patcher.stop)

    def test_ratio_and_paired(self):
        self.assertEqual(1.0, self.meter.ratio('via', 'straight'))
        # Rounds' own ratios 1.5, 0.75, 2.0.
        self.assertEqual(1.5, self.meter.paired('via', 'straight'))

    def test_floor_spreads_each_round_cpu_over_the_cores(self):
        # Rounds of 3.0, 4.0, 2.0 CPU-s on 2 cores: 1.5, 2.0, 1.0 s at
        # best, median 1.5, over the straight median of 3.0 s.
        self.assertAlmostEqual(0.5, self.meter.floor('via', 'straight'))
        # The baseline's own: 1.2, 1.4, 1.6 CPU-s -> median 0.7 s.
        self.assertAlmostEqual(0.7 / 3.0,
                               self.meter.floor('straight', 'straight'))

    def test_floor_on_one_core(self):
        self.cpu_count.return_value = 1
        self.assertAlmostEqual(1.0, self.meter.floor('via', 'straight'))

    def test_times_table_has_the_floor(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            common.print_times(self.meter, [('straight', 'straight'),
                                            ('via mcimage', 'via')],
                               'straight')
        header, straight, via = out.getvalue().splitlines()
        self.assertEqual(['median', 's', 'min', 's', 'max', 's', 'ratio',
                          'paired', 'floor'], header.split())
        self.assertEqual(['via', 'mcimage', '3.000', '3.000', '6.000',
                          '1.000', '1.500', '0.500'], via.split())
        self.assertEqual('0.233', straight.split()[-1])
